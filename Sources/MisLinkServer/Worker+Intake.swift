import Logging
import MisLinkIntake

extension Worker {
    /// The intake as the worker makes it (its appliers with the chat capacity, the operator directory),
    /// for commands that work on stored events without serving (`mislink inbox retry`).
    public func makeIntake(logger: Logger = Logger(label: "mislink.intake")) -> IntakePipeline {
        IntakePipeline(settings: settings.intake, timestampOffset: settings.mango.timestampOffset,
                       configuration: databaseConfiguration,
                       appliers: [CallLogApplier(), ChatThreadApplier(capacity: settings.chat.capacity)],
                       directory: OperatorDirectory(agents: settings.chat.agentLogins), logger: logger)
    }
}
