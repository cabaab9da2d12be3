// libFuzzer entry for the manifest loader and validator (and the duration parser).
// Compiled by run-libfuzzer.sh together with Sources/QueueFunctions, outside SwiftPM.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func manifestFuzzTestOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    do {
        _ = try ManifestLoader.parse(data, fileName: "functions.json", registeredHandlers: ["ImportProcessor", "Worker"])
    } catch {
        // A refusal must say what is wrong: an empty diagnostic list is a bug.
        if error.errors.isEmpty { fatalError("refused without an error: \(error)") }
    }
    if count < 64 {
        let text = String(decoding: data, as: UTF8.self)
        _ = DurationText.parse(text)
        _ = try? InputNumber.whole(text, name: "n", in: .between(Int.min, Int.max))
    }
    return 0
}
