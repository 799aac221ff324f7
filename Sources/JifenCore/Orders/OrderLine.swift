/// One line of an order, as the shop sent it. `category` is what earning rules look at.
public struct OrderLine: Sendable, Hashable, Codable {
    public static let maxQuantity: Int64 = 1_000_000

    public var sku: String
    public var category: String?
    public var name: String?
    public var quantity: Int64
    public var unitAmount: Int64

    public init(sku: String, category: String? = nil, name: String? = nil, quantity: Int64, unitAmount: Int64) {
        self.sku = sku
        self.category = category
        self.name = name
        self.quantity = quantity
        self.unitAmount = unitAmount
    }

    enum CodingKeys: String, CodingKey {
        case sku, category, name, quantity
        case unitAmount = "unit_amount"
    }

    /// Records what is wrong with this line under `field` (`lines[2]`).
    public func validate(_ field: String, into validator: inout Validator) {
        validator.text(sku, "\(field).sku", max: 128, required: true)
        validator.text(category, "\(field).category", max: 128)
        validator.text(name, "\(field).name", max: 200)
        if quantity < 1 || quantity > Self.maxQuantity {
            validator.fail("\(field).quantity", "must be between 1 and \(Self.maxQuantity)")
        }
        if unitAmount < 0 || unitAmount > Money.maxMinorUnits {
            validator.fail("\(field).unit_amount", "must be between 0 and \(Money.maxMinorUnits)")
        }
    }
}
