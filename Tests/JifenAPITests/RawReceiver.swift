import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A webhook receiver on loopback (IPv4 or IPv6) that answers with exactly the bytes a test
/// gives it, as slowly as it is told: for answers no well-behaved server sends (a trickled
/// body, NUL bytes, invalid UTF-8). It counts the connections and requests it gets.
final class RawReceiver: Sendable {
    enum Answer: Sendable {
        /// These bytes, at once, then the connection is closed.
        case bytes([UInt8])
        /// `head`, then one byte of body every `every`, until the client goes away.
        case trickle(head: String, every: TimeAmount)
    }

    struct Counts: Sendable {
        var connections = 0
        var open = 0
        /// Each request's head, as received.
        var requests: [String] = []
    }

    let channel: any Channel
    let host: String
    let port: Int
    private let counts: NIOLockedValueBox<Counts>

    init(host: String = "127.0.0.1", answer: Answer) async throws {
        let counts = NIOLockedValueBox(Counts())
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(answer: answer, counts: counts))
                }
            }
            .bind(host: host, port: 0)
            .get()
        self.host = host
        port = channel.localAddress?.port ?? 0
        self.counts = counts
    }

    /// `http://127.0.0.1:<port>/hook`, `http://[::1]:<port>/hook`.
    var url: String { host.contains(":") ? "http://[\(host)]:\(port)/hook" : "http://\(host):\(port)/hook" }

    var snapshot: Counts { counts.withLockedValue { $0 } }

    func close() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let answer: Answer
        let counts: NIOLockedValueBox<Counts>
        var received: [UInt8] = []
        var answered = false
        var trickle: RepeatedTask?

        init(answer: Answer, counts: NIOLockedValueBox<Counts>) {
            self.answer = answer
            self.counts = counts
        }

        func channelActive(context: ChannelHandlerContext) {
            counts.withLockedValue {
                $0.connections += 1
                $0.open += 1
            }
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            trickle?.cancel()
            counts.withLockedValue { $0.open -= 1 }
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += Self.unwrapInboundIn(data).readableBytesView
            guard !answered, let head = complete() else { return }
            answered = true
            counts.withLockedValue { $0.requests.append(head) }
            let channel = context.channel
            switch answer {
            case .bytes(let bytes):
                channel.writeAndFlush(ByteBuffer(bytes: bytes)).whenComplete { _ in channel.close(promise: nil) }
            case .trickle(let head, let every):
                channel.writeAndFlush(ByteBuffer(string: head), promise: nil)
                trickle = channel.eventLoop.scheduleRepeatedTask(initialDelay: every, delay: every) { _ in
                    channel.writeAndFlush(ByteBuffer(string: "."), promise: nil)
                }
            }
        }

        /// The request's head once the whole request (head and `content-length` body) is in.
        private func complete() -> String? {
            let text = String(decoding: received, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { return nil }
            let head = String(text[..<end.lowerBound])
            let length =
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            return text.utf8.count - text.utf8.distance(from: text.startIndex, to: end.upperBound) >= length
                ? head : nil
        }
    }
}
