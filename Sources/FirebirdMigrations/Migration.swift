import Firebird

/// Placeholder: the migration runner is being written.
public enum Migrations {}
