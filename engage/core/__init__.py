"""What every domain shares: model helpers, i18n, roles and domain errors."""
