import Foundation
import JifenCore
import JifenPostgres
import JifenTestSupport
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import Testing

@testable import JifenAPI

/// Known keys are answered from memory only while every revocation is heard (issue 16): the
/// cache's TTL here is an hour, so a key that stops working within seconds was stopped by the
/// notification, not by expiry.
@Suite struct KeyCacheTests {
    struct Harness {
        let store: TenantStore
        let cache: KeyCache
        let keys: KeyAuthenticator
        let lookups: NIOLockedValueBox<Int>
        let listener: Task<Void, any Error>

        var lookupCount: Int { lookups.withLockedValue { $0 } }
    }

    /// An authenticator with a live cache (the listener running) and a lookup counter.
    /// `channel`: a private one for a test that kills its listener's connection (the real one is
    /// shared by every test's listener).
    static func withHarness(
        channel: String = KeyChanges.channel,
        listeningOn listenerDatabase: Database? = nil,
        _ body: (Harness) async throws -> Void
    ) async throws {
        let servers = try await TestServers.shared.ready()
        let store = TenantStore(database: servers.database)
        let cache = KeyCache(ttl: .seconds(3600))
        let lookups = NIOLockedValueBox(0)
        let keys = KeyAuthenticator(cache: cache) { token in
            lookups.withLockedValue { $0 += 1 }
            return try await store.authenticate(token)
        }
        let listener = Task {
            try await KeyChangeListener(
                database: listenerDatabase ?? servers.database,
                cache: cache,
                logger: servers.logger,
                retry: .milliseconds(100),
                channel: channel
            ).run()
        }
        defer { listener.cancel() }
        #expect(try await eventually { cache.isLive }, "the listener never started listening")
        try await body(Harness(store: store, cache: cache, keys: keys, lookups: lookups, listener: listener))
    }

    @Test func aKnownKeyIsLookedUpOnceAndARevocationStopsItAtOnce() async throws {
        try await Self.withHarness { harness in
            let (tenant, key) = try await TestServers.shared.makeTenant("key cache")
            for _ in 0..<5 { #expect(try await harness.keys.authenticate(key.secret.value)?.keyID == key.id) }
            #expect(harness.lookupCount == 1)
            try await harness.store.revokeKey(key.id, of: tenant.id)
            #expect(
                try await eventually(timeout: .seconds(5)) {
                    try await harness.keys.authenticate(key.secret.value) == nil
                },
                "a revoked key was still served from the cache"
            )
        }
    }

    @Test func aChangedRateLimitReachesTheCachedKey() async throws {
        try await Self.withHarness { harness in
            let (tenant, key) = try await TestServers.shared.makeTenant("key cache limit")
            #expect(try await harness.keys.authenticate(key.secret.value)?.rateLimit == nil)
            let limit = RateLimit(perSecond: 7, burst: 9)
            _ = try await harness.store.setRateLimit(limit, for: tenant.id)
            #expect(
                try await eventually(timeout: .seconds(5)) {
                    try await harness.keys.authenticate(key.secret.value)?.rateLimit == limit
                }
            )
        }
    }

    @Test func anotherTenantsRevocationKeepsThisTenantsKeysCached() async throws {
        try await Self.withHarness { harness in
            let (_, key) = try await TestServers.shared.makeTenant("key cache kept")
            let (other, otherKey) = try await TestServers.shared.makeTenant("key cache other")
            _ = try await harness.keys.authenticate(key.secret.value)
            try await harness.store.revokeKey(otherKey.id, of: other.id)
            // The other tenant's notification has arrived once its key stops working.
            #expect(
                try await eventually(timeout: .seconds(5)) {
                    try await harness.keys.authenticate(otherKey.secret.value) == nil
                }
            )
            let before = harness.lookupCount
            #expect(try await harness.keys.authenticate(key.secret.value)?.keyID == key.id)
            #expect(harness.lookupCount == before)
        }
    }

    @Test func whileTheListenerIsDownEveryRequestLooksItsKeyUp() async throws {
        let servers = try await TestServers.shared.ready()
        let channel = "test_keys_\(UUID().uuidString.lowercased().prefix(8))"
        // The listener gets a pool of its own: its connection is killed below, and a killed
        // connection must not be one the other suites share.
        let client = PostgresClient(
            configuration: try DatabaseURL.configuration(servers.databaseURL),
            backgroundLogger: servers.logger
        )
        let running = Task { await client.run() }
        defer { running.cancel() }
        let database = Database(
            client: client,
            systemClient: servers.database.systemClient,
            logger: servers.logger,
            secrets: servers.database.secrets
        )
        try await Self.withHarness(channel: channel, listeningOn: database) { harness in
            let (tenant, key) = try await TestServers.shared.makeTenant("key cache outage")
            _ = try await harness.keys.authenticate(key.secret.value)
            // Kill this test's listening backend (a role may signal its own backends).
            let killed = try await servers.database.client.withConnection { connection in
                try await connection.query(
                    """
                    SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity
                    WHERE pid <> pg_backend_pid() AND query LIKE 'LISTEN%' || \(channel) || '%' AND state = 'idle'
                    """,
                    logger: servers.logger
                ).decode(Int.self).first(where: { _ in true }) ?? 0
            }
            #expect(killed >= 1)
            // The cache went off and comes back empty: a key revoked meanwhile (no notification
            // reaches this private channel) is refused however the timing fell.
            try await harness.store.revokeKey(key.id, of: tenant.id)
            #expect(try await harness.keys.authenticate(key.secret.value) == nil)
            #expect(
                try await eventually(timeout: .seconds(10)) { harness.cache.isLive },
                "the listener did not come back"
            )
            #expect(try await harness.keys.authenticate(key.secret.value) == nil)
        }
    }

    @Test func aLookupThatRacedAnInvalidationIsNotKept() {
        let cache = KeyCache(ttl: .seconds(60))
        cache.setLive(true)
        let key = AuthenticatedKey(tenant: TenantID(UUID()), keyID: UUID(), rateLimit: nil)
        let digest = Data([1, 2, 3])
        let now = ContinuousClock.now
        let generation = try! #require(cache.generation())
        cache.invalidate(tenant: key.tenant)
        cache.store(key, digest: digest, generation: generation, now: now)
        #expect(cache.key(for: digest, now: now) == nil)
        // Another tenant's change in between does not matter.
        let before = try! #require(cache.generation())
        cache.invalidate(tenant: TenantID(UUID()))
        cache.store(key, digest: digest, generation: before, now: now)
        #expect(cache.key(for: digest, now: now) == key)
        cache.invalidate(tenant: nil)
        #expect(cache.key(for: digest, now: now) == nil)
        let fresh = try! #require(cache.generation())
        cache.store(key, digest: digest, generation: fresh, now: now)
        #expect(cache.key(for: digest, now: now) == key)
        #expect(cache.key(for: digest, now: now + .seconds(61)) == nil)
        cache.setLive(false)
        #expect(cache.generation() == nil)
        #expect(cache.key(for: digest, now: now) == nil)
    }
}
