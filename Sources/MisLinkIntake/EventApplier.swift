import Firebird

/// Turns one stored event into changes of MisLink's domain tables, inside the batch's transaction.
///
/// Appliers must be deterministic given the database state: when one event of a batch fails, the
/// batch is rolled back and applied again without it.
public protocol EventApplier: Sendable {
    /// Applies the event; returns nil when the event is not this applier's kind.
    /// - Returns: ``IntakeOutcome/applied``, ``IntakeOutcome/skipped`` (older than the state applied)
    ///   or ``IntakeOutcome/stored`` (kept for later, nothing applied).
    func apply(_ event: InboundEvent, in context: ApplyContext) throws -> IntakeOutcome?
}

/// The appliers MisLink ships: the call log and the chat threads.
public enum DefaultAppliers {
    /// Every applier, in the order they are asked.
    public static let all: [any EventApplier] = [CallLogApplier(), ChatThreadApplier()]
}

/// An applier found an event it cannot apply; the event is stored as failed with this text.
public struct ApplyError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
