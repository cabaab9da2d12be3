// The umbrella: `import QueueFunctionsHost` gives a `@main` host the handler API,
// the engines and the whole command line in one import.
@_exported import QueueFunctions
@_exported import QueueFunctionsSQLite
@_exported import QueueFunctionsPostgres
