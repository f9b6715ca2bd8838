"""The central command groups (`central`, `fleet`) and the options they share."""
