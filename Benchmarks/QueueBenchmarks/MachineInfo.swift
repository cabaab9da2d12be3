import Foundation

/// The machine a run happened on, for the report.
enum MachineInfo {
    static var summary: String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        let date = ISO8601DateFormatter().string(from: Date())
        return "load average: \(loadAverage)\nmachine: \(cores) cores, \(cpuModel), \(String(format: "%.1f", memory)) GiB; date: \(date); build: release"
    }

    /// The 1, 5 and 15 minute load averages, from /proc/loadavg.
    static var loadAverage: String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// The `model name` line of /proc/cpuinfo.
    static var cpuModel: String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown CPU"
    }
}
