"""Text sources shipped with the package as xl_selfeval.templates: ribbon XML, VBA module, rules example."""
