import Foundation

/// This process's resident memory, from `/proc/self/status`.
enum ProcessMemory {
    /// Resident set size now, in bytes (`VmRSS`).
    static var resident: Double { field("VmRSS:") }

    /// Peak resident set size so far, in bytes (`VmHWM`).
    static var peak: Double { field("VmHWM:") }

    private static func field(_ name: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let kilobytes = line.dropFirst(name.count).split(whereSeparator: \.isWhitespace).first.flatMap { Double($0) }
            return (kilobytes ?? .nan) * 1024
        }
        return .nan
    }
}
