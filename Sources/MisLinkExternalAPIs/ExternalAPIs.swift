import Foundation

/// Placeholder: Mango VPBX, edna and Chatwoot models are being written.
public enum ExternalAPIs {}
