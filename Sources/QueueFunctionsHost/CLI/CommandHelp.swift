import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator

/// The `--help` texts.

enum CommandHelp {
    static let commands = ["serve", "send", "publish", "cancel", "status", "dlq", "validate", "simulate", "help"]

    static let common = """
    Common options:
      --manifest PATH     the manifest (default ./functions.json)
      --store URL         memory: | sqlite:PATH (default: $QUEUEFUNCTIONS_STORE, else sqlite:.queuefunctions/queues.sqlite)
      --json              machine-readable output (stable shape, see README)
      --help, -h          this help
    Exit codes: 0 ok, 1 failed, 2 bad command line, 3 invalid functions.json, 4 store unusable.
    """

    static func text(for command: String?) -> String {
        switch command {
        case "serve": return """
            USAGE: serve [--manifest PATH] [--store URL] [--port N] [--bind ADDR] [--admin-token T]
                         [--allowed-host NAME]... [--cors-origin ORIGIN]...
                         [--log-level trace|debug|info|notice|warning|error] [--log-format logfmt|json]
                         [--grace-period D] [--no-autoscale] [--watch] [--watch-interval D]

            Runs the functions of the manifest until SIGINT/SIGTERM, with the HTTP gateway on
            http://127.0.0.1:7071/ (--port 0 picks a free port): producer routes from the manifest, the
            admin API under /api/, Prometheus metrics at /metrics and the dashboard at /. Binding to
            anything but loopback needs an admin token (--admin-token or QUEUEFUNCTIONS_ADMIN_TOKEN).
            Requests must name the host as localhost, *.localhost, 127.0.0.1, [::1] or the --bind address
            (else 421); --allowed-host NAME (repeatable; '.test' for every name under test, or
            QUEUEFUNCTIONS_ALLOWED_HOSTS=a,b) allows another name. Web pages on other sites may not change
            anything (403); --cors-origin ORIGIN (repeatable, e.g. http://localhost:5173, or
            QUEUEFUNCTIONS_CORS_ORIGINS) lets a web front end at that origin call the host with CORS.
            Admin POSTs take 'Content-Type: application/json' or no body (else 415).
            On the first signal the host stops
            receiving, lets in-flight batches finish within the grace period (default: the manifest's
            host.shutdown_grace_period) and hands back what it could not finish; a second signal cancels
            running invocations at once; a third (or one more grace period) ends serve even when a handler
            ignores cancellation. --watch re-reads the manifest when the file changes (every second, or
            --watch-interval D), and SIGHUP re-reads it at any time: a valid change applies without a
            restart or a lost message; an invalid one is reported and the running configuration goes on.

            \(common)
            """
        case "send": return """
            USAGE: send QUEUE BODY|@FILE|- [--delay D | --at TIME] [--priority 0-9] [--group G]
                        [--deduplication-id ID] [--attribute NAME=VALUE]… [--json]

            Sends one message to QUEUE: BODY inline, @FILE for a file's contents, - for standard input.
            Prints the new message id (the original's when a FIFO queue drops the send as a duplicate).
            --at delivers it at an RFC 3339 time (2026-12-01T09:00:00Z; no upper limit such as SQS's 15
            minutes); --priority 0 (lowest) to 9 (highest), default the queue's default_priority; --group
            names the message group (required on FIFO queues); --deduplication-id drops a repeat within
            the queue's deduplication_window; --attribute adds a message attribute (repeat it for more).

            \(common)
            """
        case "publish": return """
            USAGE: publish TOPIC BODY|@FILE|- [--attribute NAME=VALUE]… [--json]

            Publishes one message to TOPIC: a copy goes into every subscribed queue whose filter matches
            the attributes, all at once or not at all. Prints one line per copy (queue and id); a
            message no filter matches is not an error and is delivered nowhere.

            \(common)
            """
        case "cancel": return """
            USAGE: cancel QUEUE MESSAGE-ID [--json]

            Deletes a message that has not been delivered yet (scheduled with --at or --delay, waiting in
            its FIFO group, or visible). A message in flight cannot be cancelled (exit 1).

            \(common)
            """
        case "status": return """
            USAGE: status [--json]

            Per queue: visible, delayed, in flight, dead-lettered, oldest age. Per function: its queue and,
            when a host is serving on --port (default 7071), its workers and counts (pass --admin-token
            when that host has one).

            \(common)
            """
        case "dlq": return """
            USAGE: dlq list QUEUE [--limit N] [--json]
                   dlq redrive QUEUE [--to QUEUE] [--limit N]
                   dlq purge QUEUE --yes

            QUEUE is a source queue (its dead-letter queue is used) or a dead-letter queue itself.
            redrive moves dead-lettered messages back to the queue they came from (or --to).

            \(common)
            """
        case "validate": return """
            USAGE: validate [--manifest PATH] [--json]

            Checks functions.json against the registered handlers and prints every error and warning.

            \(common)
            """
        case "simulate": return """
            USAGE: simulate [WORKLOAD.json] [--burst N[@T]] [--steady RATE[@FROM-TO]] [--ramp R1-R2@FROM-TO]
                            [--outage FROM-TO] [--handler-duration D|MIN-MAX] [--seed N]
                            [--store-failure-rate R] [--store-outage FROM-TO] [--lease-lapse-rate R]
                            [--function NAME] [--profiles P1,P2,…] [--json]

            Replays a workload through the real dispatcher and autoscaler on a virtual clock and compares
            the autoscaled run with fixed pools of min_workers and max_workers. The workload comes from a
            file (Samples/workloads/README.md), from flags, or both (flags add phases; several of one kind
            separated by commas: --burst 1000@10s,500@60s). --function takes that function's scale
            settings from the manifest. --store-failure-rate fails that share (0..1) of store calls with a
            retryable error, --store-outage fails every store call in the window, --lease-lapse-rate lapses
            that share of leases under their handler; the report then counts store calls and failures.
            --profiles plays the workload once per platform profile (native, aws-lambda-sqs,
            azure-storage-queue, azure-service-bus, keda), side by side.

            \(common)
            """
        default: return """
            USAGE: <host> [COMMAND] [OPTIONS]

            Commands:
              serve       run the functions (default)
              send        send a message to a queue
              publish     publish a message to a topic
              cancel      cancel a scheduled message by id
              status      show queues and functions
              dlq         list, redrive or purge a dead-letter queue
              validate    check functions.json
              simulate    replay a workload through the autoscaler on a virtual clock

            Run '<host> COMMAND --help' for a command's options.

            \(common)
            """
        }
    }
}
