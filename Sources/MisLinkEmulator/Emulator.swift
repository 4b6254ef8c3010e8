import Hummingbird
import MisLinkExternalAPIs

/// Placeholder: the emulator is being written.
public enum Emulator {}
