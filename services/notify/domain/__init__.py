"""Pure rules of the notify service: what Destek says on its own, and when it keeps quiet."""
