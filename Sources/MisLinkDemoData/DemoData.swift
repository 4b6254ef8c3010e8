import Firebird

/// Placeholder: the demo-data generator is being written.
public enum DemoData {}
