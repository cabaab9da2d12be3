import Foundation
import QueueFunctions

/// An order as the checkout posts it.
public struct Order: Codable, Sendable {
    /// The order's id.
    public var orderID: String
    /// Units per SKU.
    public var items: [String: Int]
    /// The amount to charge.
    public var amount: Double
    /// Who to notify.
    public var email: String

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case items, amount, email
    }

    /// Creates an order.
    public init(orderID: String, items: [String: Int], amount: Double, email: String) {
        self.orderID = orderID
        self.items = items
        self.amount = amount
        self.email = email
    }
}

/// A notification to deliver.
public struct Notification: Codable, Sendable {
    /// Who receives it.
    public var to: String
    /// What it says.
    public var text: String

    /// Creates a notification.
    public init(to: String, text: String) {
        self.to = to
        self.text = text
    }
}

/// The queues and topic of the order pipeline, as named in `functions.json`.
public enum OrderQueues {
    /// The topic `submit-order` publishes "order placed" to; stock, payment and the
    /// order-received notification subscribe to it.
    public static let orderEvents = "order-events"
    /// Stock reservations: subscribed to `order-events`.
    public static let stock = "stock-reservations"
    /// Payment authorizations: subscribed to `order-events`.
    public static let payments = "payment-authorizations"
    /// Orders to acknowledge by notification: subscribed to `order-events` for orders
    /// that carry the attribute `contact: email`.
    public static let orderNotifications = "order-notifications"
    /// Orders whose payment was approved.
    public static let approved = "payments-approved"
    /// Orders whose payment was declined.
    public static let declined = "payments-declined"
    /// Notifications to send.
    public static let notifications = "notifications"
    /// Audit events to write.
    public static let audit = "audit-events"
}

/// `submit-order`: accepts the order and publishes one "order placed" message to the
/// `order-events` topic; the topic's subscriptions copy it to stock, payment and (for
/// orders with an email address) the order-received notification, all at once. It
/// never calls a service.
public struct OrderSubmitter: MessageFunction {
    /// Orders arrive as JSON.
    public typealias Message = Order
    let services: SampleServices

    /// Creates the function.
    public init(services: SampleServices) { self.services = services }

    /// The attributes the topic's filters look at: `type`, and `contact` when the order
    /// has an email address.
    public static func attributes(of order: Order) -> [String: String] {
        var attributes = ["type": "order-placed"]
        if !order.email.isEmpty { attributes["contact"] = "email" }
        return attributes
    }

    /// Publishes the order.
    public func handle(_ order: Order, metadata: MessageMetadata, context: FunctionContext) async throws {
        services.setOrderStatus(order.orderID, "accepted")
        try await context.send(AuditEvent(kind: "order-accepted", subject: order.orderID), to: OrderQueues.audit)
        try await context.publish(order, to: OrderQueues.orderEvents, attributes: Self.attributes(of: order))
    }
}

/// `acknowledge-order`: turns an "order placed" copy into an "order received" notification.
public struct OrderAcknowledger: MessageFunction {
    /// Orders arrive as JSON.
    public typealias Message = Order

    /// Creates the function.
    public init() {}

    /// Queues the notification.
    public func handle(_ order: Order, metadata: MessageMetadata, context: FunctionContext) async throws {
        try await context.send(Notification(to: order.email, text: "We received order \(order.orderID)."), to: OrderQueues.notifications)
    }
}

/// `reserve-stock`: reserves the order's items once (a redelivery changes nothing).
public struct StockReserver: MessageFunction {
    /// Orders arrive as JSON.
    public typealias Message = Order
    let services: SampleServices

    /// Creates the function.
    public init(services: SampleServices) { self.services = services }

    /// Reserves stock.
    public func handle(_ order: Order, metadata: MessageMetadata, context: FunctionContext) async throws {
        if services.reserve(orderID: order.orderID, items: order.items) {
            context.logger.info("stock reserved", [("order_id", order.orderID)])
        } else {
            context.logger.warning("not enough stock", [("order_id", order.orderID)])
            try await context.send(Notification(to: order.email, text: "Some items of order \(order.orderID) are back-ordered."),
                                   to: OrderQueues.notifications)
        }
    }
}

/// `authorize-payment`: asks the payment gateway and fans the outcome out to
/// `payments-approved` or `payments-declined`. A gateway outage is retried with backoff.
public struct PaymentAuthorizer: MessageFunction {
    /// Orders arrive as JSON.
    public typealias Message = Order
    let services: SampleServices

    /// Creates the function.
    public init(services: SampleServices) { self.services = services }

    /// Authorizes the payment.
    public func handle(_ order: Order, metadata: MessageMetadata, context: FunctionContext) async throws {
        let approved = try services.authorize(amount: order.amount)
        try await context.send(order, to: approved ? OrderQueues.approved : OrderQueues.declined)
    }
}

/// `fulfil-order`: confirms an order whose payment was approved.
public struct OrderFulfiller: MessageFunction {
    /// Orders arrive as JSON.
    public typealias Message = Order
    let services: SampleServices

    /// Creates the function.
    public init(services: SampleServices) { self.services = services }

    /// Confirms the order and notifies the customer.
    public func handle(_ order: Order, metadata: MessageMetadata, context: FunctionContext) async throws {
        services.setOrderStatus(order.orderID, "confirmed")
        try await context.send(Notification(to: order.email, text: "Order \(order.orderID) is confirmed."), to: OrderQueues.notifications)
    }
}

/// `cancel-order`: cancels an order whose payment was declined and gives its stock back.
public struct OrderCanceller: MessageFunction {
    /// Orders arrive as JSON.
    public typealias Message = Order
    let services: SampleServices

    /// Creates the function.
    public init(services: SampleServices) { self.services = services }

    /// Cancels the order.
    public func handle(_ order: Order, metadata: MessageMetadata, context: FunctionContext) async throws {
        services.releaseReservation(orderID: order.orderID)
        services.setOrderStatus(order.orderID, "payment declined")
        try await context.send(Notification(to: order.email, text: "Payment for order \(order.orderID) was declined."),
                               to: OrderQueues.notifications)
    }
}

/// `send-notification`: calls the notification service, which is sometimes down.
/// A failure is retried with backoff and never touches the order.
public struct NotificationSender: MessageFunction {
    /// Notifications arrive as JSON.
    public typealias Message = Notification
    let services: SampleServices

    /// Creates the function.
    public init(services: SampleServices) { self.services = services }

    /// Sends one notification.
    public func handle(_ notification: Notification, metadata: MessageMetadata, context: FunctionContext) async throws {
        try services.notify("\(notification.to): \(notification.text)")
        context.logger.info("notification sent", [("to", notification.to), ("attempt", "\(metadata.receiveCount)")])
    }
}
