"""SmartBilling CRM core: data layer, validation, services, analytics and I/O (no UI)."""

__version__ = "0.1.0"
