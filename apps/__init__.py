"""dldemo's apps: one sub-package each, discovered by :mod:`dldemo.shared.apps`."""
