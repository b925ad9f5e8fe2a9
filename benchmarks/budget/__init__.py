"""The automatic training budget on large data: candidate rules measured side by side."""
