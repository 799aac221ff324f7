import Foundation
import JifenCore
import Testing

@testable import JifenWebhooks

@Suite struct StandardWebhooksTests {
    /// The test vector published with the Standard Webhooks specification (and used by its
    /// reference libraries): an implementation that is not ours fixed these bytes.
    @Test func signsThePublishedTestVector() throws {
        let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = StandardWebhooks.signature(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1_614_265_330,
            body: Data(#"{"test": 2432232314}"#.utf8),
            secret: secret
        )
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func verifiesWithinToleranceAndRefusesReplaysAndForgeries() throws {
        let secret = WebhookSecret.generate()
        let old = WebhookSecret.generate()
        let body = Data(#"{"type":"order.paid"}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let header = StandardWebhooks.header(id: "msg_1", timestamp: 1_800_000_000, body: body, secrets: [old, secret])
        #expect(header.split(separator: " ").count == 2)
        try StandardWebhooks.verify(
            id: "msg_1",
            timestamp: "1800000000",
            signatures: header,
            body: body,
            secrets: [secret],
            now: now
        )
        #expect(throws: StandardWebhooks.Rejection.outsideTolerance) {
            try StandardWebhooks.verify(
                id: "msg_1",
                timestamp: "1800000000",
                signatures: header,
                body: body,
                secrets: [secret],
                now: now.addingTimeInterval(301)
            )
        }
        #expect(throws: StandardWebhooks.Rejection.noMatchingSignature) {
            try StandardWebhooks.verify(
                id: "msg_1",
                timestamp: "1800000000",
                signatures: header,
                body: Data("{}".utf8),
                secrets: [secret],
                now: now
            )
        }
        #expect(throws: StandardWebhooks.Rejection.missingHeaders) {
            try StandardWebhooks.verify(
                id: nil,
                timestamp: "1",
                signatures: header,
                body: body,
                secrets: [secret],
                now: now
            )
        }
        #expect(WebhookSecret.generate().text.hasPrefix("whsec_"))
        #expect(WebhookSecret("whsec_short") == nil)
    }
}

@Suite struct ShopifySignatureTests {
    @Test func matchesAnIndependentHMAC() {
        // `printf '%s' '{"id":1}' | openssl dgst -sha256 -hmac hush -binary | base64`
        let body = Data(#"{"id":1}"#.utf8)
        let expected = "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY="
        #expect(ShopifySignature.sign(body: body, secret: "hush") == expected)
        #expect(ShopifySignature.isValid(header: expected, body: body, secrets: ["old", "hush"]))
        #expect(!ShopifySignature.isValid(header: expected, body: Data(#"{"id":2}"#.utf8), secrets: ["hush"]))
        #expect(!ShopifySignature.isValid(header: nil, body: body, secrets: ["hush"]))
    }
}

@Suite struct DeliveryScheduleTests {
    @Test func backsOffOverAboutThreeDaysThenGivesUp() {
        let start = Date(timeIntervalSince1970: 0)
        #expect(DeliverySchedule.delay(afterAttempt: 1, firstAttemptAt: start, now: start, random: 0.5) == 5)
        #expect(DeliverySchedule.delay(afterAttempt: 2, firstAttemptAt: start, now: start, random: 0.5) == 300)
        #expect(DeliverySchedule.delay(afterAttempt: 2, firstAttemptAt: start, now: start, random: 0) == 240)
        // 429 with Retry-After: 120 s after the first failure waits 120 s, not 5.
        #expect(
            DeliverySchedule.delay(afterAttempt: 1, firstAttemptAt: start, now: start, retryAfter: 120, random: 0.5)
                == 120
        )
        let late = start.addingTimeInterval(3 * 86_400 - 100)
        #expect(DeliverySchedule.delay(afterAttempt: 6, firstAttemptAt: start, now: late, random: 0.5) == nil)
        #expect(DeliverySchedule.delay(afterAttempt: 99, firstAttemptAt: start, now: start) == nil)
        #expect(DeliverySchedule.retryAfter("30") == 30)
        #expect(DeliverySchedule.retryAfter("soon") == nil)
    }
}

@Suite struct ShopifyPayloadTests {
    @Test func mapsAnOrderWithShippingAndDecimalPrices() throws {
        let json = #"""
            {"id": 450789469, "email": "bob.norman@mail.example.com", "created_at": "2008-01-10T11:00:00-05:00",
             "currency": "USD", "total_price": "409.94", "financial_status": "paid",
             "customer": {"id": 207119551, "email": "bob.norman@mail.example.com"},
             "line_items": [{"id": 466157049, "sku": "IPOD2008GREEN", "title": "IPod Nano - 8gb", "quantity": 1,
                             "price": "199.00", "product_id": 632910392}],
             "shipping_lines": [{"title": "Generic Shipping", "price": "10.00"}]}
            """#
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let order = try decoder.decode(ShopifyOrder.self, from: Data(json.utf8))
        let draft = try order.draft(status: .paid, receivedAt: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(draft.externalID.rawValue == "450789469")
        #expect(draft.member.rawValue == "207119551")
        #expect(draft.amount.minorUnits == 40_994)
        #expect(draft.lines.map(\.unitAmount) == [19_900, 1_000])
        #expect(draft.lines.last?.category == "shipping")
    }

    @Test func mapsARefundToItsAmountAndLines() throws {
        let json = #"""
            {"id": 509562969, "order_id": 450789469, "created_at": "2008-01-10T11:00:00-05:00",
             "refund_line_items": [{"quantity": 1, "line_item": {"sku": "IPOD2008GREEN", "product_id": 632910392}}],
             "transactions": [{"amount": "41.94", "kind": "refund", "status": "success"},
                              {"amount": "5.00", "kind": "refund", "status": "failure"}]}
            """#
        let refund = try JSONDecoder().decode(ShopifyRefund.self, from: Data(json.utf8))
        let draft = try refund.draft(currency: Currency("USD"))
        #expect(draft.externalID.rawValue == "509562969")
        #expect(draft.amount == 4_194)
        #expect(draft.lines == [RefundDraft.Line(sku: "IPOD2008GREEN", quantity: 1)])
        #expect(refund.orderID.text == "450789469")
    }

    @Test func decimalsAreExact() throws {
        #expect(try Money(decimal: "259.00", currency: Currency("CNY")).minorUnits == 25_900)
        #expect(try Money(decimal: "259", currency: Currency("CNY")).minorUnits == 25_900)
        #expect(try Money(decimal: "0.5", currency: Currency("CNY")).minorUnits == 50)
        #expect(try Money(decimal: "1.005", currency: Currency("KWD")).minorUnits == 1_005)
        #expect(throws: JifenError.self) { try Money(decimal: "1.005", currency: Currency("CNY")) }
        #expect(throws: JifenError.self) { try Money(decimal: "-1", currency: Currency("CNY")) }
        #expect(throws: JifenError.self) { try Money(decimal: "1e5", currency: Currency("CNY")) }
        #expect(try Money(decimal: "500", currency: Currency("JPY")).minorUnits == 500)
        #expect(try Money(decimal: "500.00", currency: Currency("JPY")).minorUnits == 500)
        #expect(throws: JifenError.self) { try Money(decimal: "500.50", currency: Currency("JPY")) }
    }
}
