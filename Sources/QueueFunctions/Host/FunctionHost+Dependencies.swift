extension FunctionHost {
    /// Every dependency of the manifest with its breaker state and permits in use, by name.
    public var dependencies: [DependencyStatus] {
        environment.dependencies.statuses
    }
}
