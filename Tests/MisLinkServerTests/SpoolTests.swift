import Foundation
@testable import MisLinkIntake
import MisLinkTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The spool on its own disk: torn tails, damaged bytes, its size limit and a full file system.
@Suite("The durable spool survives its own disk")
struct SpoolTests {
    static func event(_ n: Int, padding: Int = 0) -> InboundEvent {
        InboundEvent(source: "mango", deliveryKey: "mango:test:\(n)", eventType: "events/dtmf", objectID: "E\(n)",
                     payload: "{\"n\":\(n),\"pad\":\"\(String(repeating: "x", count: padding))\"}", content: .stored)
    }

    static func directory(_ label: String) -> URL {
        URL(fileURLWithPath: "\(ClinicDatabase.directory)/spooltest-\(label)-\(UUID().uuidString.prefix(8))")
    }

    static func keys(_ spool: DurableSpool) throws -> [String] {
        try spool.segments().flatMap { try spool.read(segment: $0) }.map(\.deliveryKey)
    }

    @Test func tornTailIsTruncatedOnOpenAndLaterAppendsAreReadable() throws {
        let directory = Self.directory("torn")
        do {
            let spool = try DurableSpool(directory: directory)
            try spool.append([Self.event(1), Self.event(2)])
            spool.seal()
        }
        // A crash in the middle of a write: half a record at the end.
        let segment = directory.appendingPathComponent(String(format: "segment-%012d.spool", 1))
        let handle = try FileHandle(forWritingTo: segment)
        try handle.seekToEnd()
        let frame = DurableSpool.frame(Array(try JSONEncoder().encode(SpoolRecord(Self.event(3)))))
        try handle.write(contentsOf: frame.prefix(frame.count / 2))
        try handle.close()
        let sizeWithTail = try FileManager.default.attributesOfItem(atPath: segment.path)[.size] as! NSNumber

        let reopened = try DurableSpool(directory: directory)
        #expect(reopened.truncatedOnOpen == Int64(frame.count / 2))
        #expect(reopened.backlog() == 2)
        let size = try FileManager.default.attributesOfItem(atPath: segment.path)[.size] as! NSNumber
        #expect(size.intValue == sizeWithTail.intValue - frame.count / 2)
        try reopened.append([Self.event(4)])
        #expect(try Self.keys(reopened) == ["mango:test:1", "mango:test:2", "mango:test:4"])
    }

    @Test func damagedBytesInTheMiddleDoNotHideLaterRecords() throws {
        let directory = Self.directory("damaged")
        let spool = try DurableSpool(directory: directory)
        try spool.append([Self.event(1)])
        try spool.append([Self.event(2)])
        try spool.append([Self.event(3)])
        spool.seal()
        // Overwrite a few bytes of the second record's JSON.
        let segment = directory.appendingPathComponent(String(format: "segment-%012d.spool", 1))
        var bytes = try [UInt8](Data(contentsOf: segment))
        let first = 8 + Int(bytes[0])
        bytes[first + 20] ^= 0xFF
        bytes[first + 21] ^= 0xFF
        try Data(bytes).write(to: segment)

        var reader = try spool.reader(segment: 1)
        var items: [String] = []
        while let item = try reader.next() {
            switch item {
            case .record(_, _, let json): items.append(try SpoolRecord.decode(json).deliveryKey)
            case .damaged(let offset, let end, let damaged):
                items.append("damaged")
                #expect(damaged.count == Int(end - offset))
            }
        }
        #expect(items == ["mango:test:1", "damaged", "mango:test:3"])
        // Opening does not truncate damage that a good record follows.
        let reopened = try DurableSpool(directory: directory)
        #expect(reopened.truncatedOnOpen == 0)
        #expect(reopened.backlog() == 2)
    }

    @Test func sizeLimitRefusesAppendsWholeAndSaysFull() throws {
        let spool = try DurableSpool(directory: Self.directory("limit"), maxBytes: 4096)
        var accepted = 0
        var refusal: SpoolError?
        for n in 0..<100 {
            do {
                try spool.append([Self.event(n, padding: 200)])
                accepted += 1
            } catch let error as SpoolError {
                refusal = error
                break
            }
        }
        #expect(refusal?.isFull == true)
        #expect(refusal?.description.contains("intake.spool_max_bytes") == true)
        #expect(spool.totalBytes <= 4096)
        #expect(try Self.keys(spool).count == accepted)
    }

    /// A real full disk (a 1 MiB tmpfs): appends are refused as full, nothing torn stays behind, and once
    /// there is room again later appends and every acknowledged record read back.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root (CI runs as root)"))
    func fullFileSystemLeavesNoTornRecords() throws {
        let mountPoint = Self.directory("tmpfs")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint.path]
        try mount.run()
        mount.waitUntilExit()
        try #require(mount.terminationStatus == 0, "mount -t tmpfs failed")
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [mountPoint.path]
            try? umount.run()
            umount.waitUntilExit()
        }
        // A filler file takes most of the room.
        let filler = mountPoint.appendingPathComponent("filler")
        try Data(count: 900 * 1024).write(to: filler)
        let spool = try DurableSpool(directory: mountPoint.appendingPathComponent("spool"), maxBytes: 1 << 30)
        var acknowledged: [String] = []
        var refusal: SpoolError?
        for n in 0..<1000 {
            do {
                try spool.append([Self.event(n, padding: 3000)])
                acknowledged.append("mango:test:\(n)")
            } catch let error as SpoolError {
                refusal = error
                break
            }
        }
        #expect(refusal?.isFull == true, "\(String(describing: refusal))")
        #expect(!acknowledged.isEmpty)
        // Nothing of the refused append stays: the file is whole records only.
        #expect(try Self.keys(spool) == acknowledged)
        #expect(DurableSpoolReopen.truncated(spool.directory) == 0)

        try FileManager.default.removeItem(at: filler)
        try spool.append([Self.event(5000)])
        #expect(try Self.keys(spool) == acknowledged + ["mango:test:5000"])
    }
}

enum DurableSpoolReopen {
    /// Bytes a fresh open would truncate (0 when every segment is whole records).
    static func truncated(_ directory: URL) -> Int64 {
        (try? DurableSpool(directory: directory).truncatedOnOpen) ?? -1
    }
}
