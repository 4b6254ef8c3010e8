import Logging
import MisLinkIntake

extension Worker {
    /// The intake as the worker makes it (its appliers with the chat capacity, the operator directory,
    /// the MIS profile `mis.profile` names), for commands that work on stored events without serving
    /// (`mislink inbox retry`).
    /// - Throws: ``WorkerError`` when the MIS profile cannot be read or has mistakes.
    public func makeIntake(logger: Logger = Logger(label: "mislink.intake")) throws -> IntakePipeline {
        IntakePipeline(settings: settings.intake, timestampOffset: settings.mango.timestampOffset,
                       configuration: databaseConfiguration, profile: try loadProfile(),
                       appliers: [CallLogApplier(), ChatThreadApplier(capacity: settings.chat.capacity)],
                       directory: OperatorDirectory(agents: settings.chat.agentLogins), logger: logger)
    }
}
