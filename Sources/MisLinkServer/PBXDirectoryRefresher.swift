import Foundation
import Logging
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkIntake
import MisLinkSettings
import ServiceLifecycle

/// Keeps the ``OperatorDirectory``'s SIP map current: `config/users/request` (with `general.sips`) at
/// start and every `telephony.directory_minutes`, so a leg that names only a SIP URI still credits the
/// operator whose extension it belongs to. A failed read keeps the previous map and is logged.
public struct PBXDirectoryRefresher: Service {
    let directory: OperatorDirectory
    let mango: MisLinkSettings.Mango
    let minutes: Double
    let client: HTTPClient
    let logger: Logger

    /// Makes a refresher; `minutes` ≤ 0 reads once at start only.
    public init(directory: OperatorDirectory, mango: MisLinkSettings.Mango, minutes: Double, client: HTTPClient,
                logger: Logger = Logger(label: "mislink.directory")) {
        self.directory = directory
        self.mango = mango
        self.minutes = minutes
        self.client = client
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let mapped = try await refreshOnce()
                logger.info("PBX user list read: \(mapped) SIP address(es) mapped to extensions")
            } catch {
                logger.warning("reading the PBX user list (config/users/request) failed: \(error)")
            }
            guard minutes > 0 else {
                // A service that returns would stop the whole worker: wait for the shutdown instead.
                try? await gracefulShutdown()
                return
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(minutes * 60)) }
        }
    }

    /// Reads the user list once and replaces the map; returns how many SIP URIs it maps.
    @discardableResult
    public func refreshOnce() async throws -> Int {
        let json = try MangoJSON.encode(MangoUsersRequest(extFields: ["general.sips"]))
        let form = MangoSignedForm(json: json, credentials: MangoCredentials(apiKey: mango.apiKey, apiSalt: mango.apiSalt))
        let answer = try await client.execute(.form(HTTPClientRequest.url(mango.baseURL, MangoPath.usersRequest.rawValue), fields: form.fields))
        guard answer.status == 200 else {
            throw DirectoryError("config/users/request answered HTTP \(answer.status)")
        }
        let users = try JSONDecoder().decode(MangoUsersResponse.self, from: answer.body).users
        return directory.updateSIP(from: users)
    }
}

struct DirectoryError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
