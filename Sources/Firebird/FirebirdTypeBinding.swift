/// The coercion rules a Firebird 4+ server applies to the types it describes to one attachment:
/// the DPB form of `SET BIND OF … TO …` (`isc_dpb_set_bind`), the per-attachment counterpart of
/// `DataTypeCompatibility` in firebird.conf.
///
/// The binding reads every Firebird 4/5 type natively, so ``native`` is the default; ``legacy`` is
/// for code that must see exactly what a Firebird 3 server would send. Firebird 3 does not know the
/// DPB tag: set anything but ``native`` only for Firebird 4+ servers.
public struct FirebirdTypeBinding: Sendable, Hashable {
    /// The rules sent, or nil to send none.
    public let rules: String?

    /// No rules: the server's own descriptions (the default).
    public static let native = FirebirdTypeBinding(rules: nil)

    /// What `DataTypeCompatibility = 3.0` gives: DECFLOAT as DOUBLE PRECISION, INT128 (and
    /// NUMERIC(19…38)) as BIGINT, TIME/TIMESTAMP WITH TIME ZONE as TIME/TIMESTAMP in the session's zone.
    /// "may be with some data losses", as Firebird's README.set_bind.md says.
    public static let legacy = FirebirdTypeBinding(rules: "decfloat to legacy; int128 to legacy; time zone to legacy")

    /// Rules of your own, written as `SET BIND` statements without `SET BIND OF`, separated by
    /// semicolons, e.g. `"decfloat to char; int128 to char"`.
    public static func custom(_ rules: String) -> FirebirdTypeBinding { FirebirdTypeBinding(rules: rules) }

    private init(rules: String?) { self.rules = rules }

    /// `isc_dpb_set_bind` (consts_pub.h of Firebird 4+; not in Firebird 3's ibase.h).
    static let dpbTag: Int32 = 93
}
