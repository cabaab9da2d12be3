import Foundation
import QueueFunctionsHost
import SampleFunctions

// The sample host: the handlers of functions.json, registered by name, and the
// whole command line (serve, send, status, dlq, validate, simulate).
//
// The sample's outside services are in-process fakes. Make them fail to watch
// retries and the dead-letter queue:
//   SAMPLE_FAIL=storage,payments,notifications  (those services fail every call)
//   SAMPLE_FAIL=billing                          (the billing API is down: watch the breaker open)
//   SAMPLE_NOTIFICATION_FAILURE_RATE=0.3        (default 0.2)
//   SAMPLE_FACTORY_FAIL=1                       (every handler factory throws: watch the host back off)
let services = SampleServices.fromEnvironment()
exit(await QueueFunctionsCommand.main(registry: SampleApp.registry(services: services)))
