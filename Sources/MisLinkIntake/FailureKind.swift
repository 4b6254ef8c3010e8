import Firebird

/// How the intake treats a database error met while storing or applying an event.
enum FailureKind: Equatable {
    /// The database cannot be reached (network, shutdown, killed attachment, I/O): the batch goes to the
    /// spool and nothing about the event is decided.
    case databaseDown
    /// Passes by itself (a lock conflict or timeout, a deadlock, a cancelled statement, an object in use
    /// by a migration): try again later; never the event's final failure.
    case transient
    /// Comes back every time for this event (a constraint, a conversion, a too-long value): the event is
    /// stored as `failed`, or quarantined when it cannot even be stored.
    case deterministic

    init(_ error: FirebirdError) {
        switch error.code {
        case .connectionLost: self = .databaseDown
        case .lockConflict, .cancelled, .objectInUse: self = .transient
        default: self = .deterministic
        }
    }
}

extension String {
    /// At most `limit` Unicode scalars (Firebird counts a UTF8 column's characters that way), never
    /// splitting one.
    func prefix(scalars limit: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: unicodeScalars.prefix(limit))
        return String(view)
    }

    /// Printable ASCII only, at most `limit` bytes; nil when nothing is left (for ASCII columns).
    func asciiSafe(limit: Int) -> String? {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: unicodeScalars.lazy.filter { $0.isASCII && $0.value >= 32 && $0.value < 127 }.prefix(limit))
        return view.isEmpty ? nil : String(view)
    }
}
