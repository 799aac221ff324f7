import ArgumentParser
import Foundation
import JifenCore
import JifenPostgres
import JifenRedis

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the job queue and retry dead jobs.",
        subcommands: [Stats.self, Dead.self]
    )

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Jobs ready (per lane, with the oldest's age), in flight, delayed and dead; the outbox backlog."
        )

        func run() async throws {
            let (settings, logger) = try startUp("jifen.jobs")
            let connections = try Connections(settings: settings, logger: logger)
            let stats = try await connections.queue.stats()
            let backlog = try await connections.withRunningClient {
                try await OutboxStore(database: connections.database).backlog()
            }
            print("queue \(settings.redis.jobQueue)")
            print("  ready      \(stats.ready)")
            for lane in JobLane.allCases {
                let lane = (lane, stats.lane(lane))
                let age = lane.1.oldestAge.map { String(format: "%.1f s", Double($0.milliseconds) / 1000) } ?? "-"
                print(
                    "    \(lane.0.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0))\(lane.1.ready) (oldest \(age))"
                )
            }
            print("  in flight  \(stats.inFlight)")
            print("  delayed    \(stats.delayed)")
            print("  dead       \(stats.dead)")
            let lag = backlog.oldestAge.map { String(format: "%.1f s", Double($0.components.seconds)) } ?? "-"
            print("outbox unrelayed \(backlog.count) (oldest \(lag))")
        }
    }

    struct Dead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Jobs that failed their last attempt.",
            subcommands: [List.self, Retry.self]
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List dead jobs, oldest first.")
            @Option(help: "At most this many.") var limit = 100

            func run() async throws {
                let (settings, logger) = try startUp("jifen.jobs")
                let dead = try await Connections(settings: settings, logger: logger).queue.deadJobs(limit: limit)
                if dead.isEmpty { print("no dead jobs") }
                for job in dead {
                    let kind = job.job?.kind.name ?? "?"
                    let tenant = job.job?.tenant?.description ?? "-"
                    print(
                        "\(job.entryID)\t\(kind)\ttenant \(tenant)\tfailed \(job.failedAt.formatted(.iso8601))\t\(job.error)"
                    )
                }
            }
        }

        struct Retry: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Run dead jobs again from their first attempt.")
            @Argument(help: "The dead job's id, as `jobs dead list` prints it.") var id: String?
            @Flag(help: "Retry every dead job.") var all = false

            func validate() throws {
                guard (id != nil) != all else { throw ValidationError("give either a job id or --all") }
            }

            func run() async throws {
                let (settings, logger) = try startUp("jifen.jobs")
                let queue = try Connections(settings: settings, logger: logger).queue
                if all {
                    print("requeued \(try await queue.retryAllDead()) dead jobs")
                } else if let id {
                    guard try await queue.retryDead(id) else { throw ValidationError("no dead job \(id)") }
                    print("requeued \(id)")
                }
            }
        }
    }
}
