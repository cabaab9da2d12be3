/// The dashboard at `/`: one self-contained page.
enum DashboardPage {
    static let html = "<!doctype html><title>QueueFunctions</title>"
}
