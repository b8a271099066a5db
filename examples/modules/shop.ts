/**
 * The shop of the shop example (after Pyro's autoproxy shop): `enter()` makes a cart and returns
 * it. A Cart is a class instance, so it goes back by reference: the customer gets a proxy, and
 * the cart stays in the shop's process.
 */
import { getLocalServer, type Remote } from 'zeroproc';

const PRICES: Record<string, number> = { apple: 0.5, bread: 2.25, cheese: 6.8, coffee: 8.9, milk: 1.15 };

export class Cart {
  private readonly items: string[] = [];
  constructor(readonly customer: string) {}

  purchase(item: string): number {
    if (!(item in PRICES)) throw new RangeError(`the shop does not sell ${item}`);
    this.items.push(item);
    return this.items.length;
  }

  contents(): string[] {
    return [...this.items];
  }
}

export class Shop {
  private readonly open = new Set<Cart>();
  private readonly sales: string[] = [];

  enter(customer: string): Cart {
    const cart = new Cart(customer);
    this.open.add(cart);
    return cart;
  }

  /**
   * The customer sends back its proxy to the cart; arriving home, in the process that owns the
   * cart, it becomes the shop's own Cart object again (a proxy to someone else's would not).
   */
  checkout(cart: Cart | Remote<Cart>): string {
    if (!(cart instanceof Cart) || !this.open.has(cart)) throw new TypeError('not one of our carts');
    this.open.delete(cart);
    const total = cart.contents().reduce((sum, item) => sum + PRICES[item]!, 0);
    const receipt = `${cart.customer}: ${cart.contents().join(', ')} = ${total.toFixed(2)}`;
    this.sales.push(receipt);
    return receipt;
  }

  customersInside(): string[] {
    return [...this.open].map((c) => c.customer).sort();
  }

  salesLedger(): string[] {
    return this.sales;
  }

  /** Objects the shop's server holds for clients (the shop itself, carts not released yet). */
  heldObjects(): number {
    return getLocalServer()?.objectCount ?? 0;
  }
}
