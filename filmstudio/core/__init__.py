"""The model: graph, node API, parameters, project files. No Qt, no torch."""
