import Foundation

/// This process's resident memory and writes, from `/proc/self/status` and `/proc/self/io`.
enum ProcessMemory {
    /// Resident set size now, in bytes (`VmRSS`).
    static var resident: Double { number("VmRSS:", in: "/proc/self/status") * 1024 }

    /// Peak resident set size so far, in bytes (`VmHWM`).
    static var peak: Double { number("VmHWM:", in: "/proc/self/status") * 1024 }

    /// Bytes this process has passed to write calls so far (`wchar`).
    static var written: Double { number("wchar:", in: "/proc/self/io") }

    /// The first number after `name` on its line of `file`.
    private static func number(_ name: String, in file: String) -> Double {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return .nan }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            return line.dropFirst(name.count).split(whereSeparator: \.isWhitespace).first.flatMap { Double($0) } ?? .nan
        }
        return .nan
    }
}
