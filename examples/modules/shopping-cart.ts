/**
 * The shop of the shopping-cart example (after Pyro's shoppingcart): `enter()` hands a customer
 * a cart by reference; `leave()` takes it back with `server.revoke(cart)`, so the customer's
 * proxy stops working (Pyro's `daemon.unregister(cart)`). Both classes list what customers may
 * reach (`static expose`): a cart's `paid` flag is the shop's business.
 */
import { getLocalServer } from 'zeroproc';

export class ShoppingCart {
  static expose = ['purchase', 'empty', 'contents'] as const;
  private items: string[] = [];
  /** Set by the shop at the till; not exposed, so a customer can neither read nor set it. */
  paid = false;

  purchase(item: string): number {
    return this.items.push(item);
  }

  empty(): void {
    this.items = [];
  }

  contents(): string[] {
    return [...this.items];
  }
}

export class Shop {
  static expose = ['enter', 'customers', 'goods', 'payByCash', 'payByCard', 'leave'] as const;
  private readonly inventory = ['paper', 'bread', 'butter', 'water', 'wine', 'beer', 'cheese', 'milk', 'cereal', 'chocolate'];
  private readonly inStore = new Map<string, ShoppingCart>();

  enter(name: string): ShoppingCart {
    const cart = new ShoppingCart();
    this.inStore.set(name, cart);
    return cart;
  }

  customers(): string[] {
    return [...this.inStore.keys()];
  }

  goods(): string[] {
    return [...this.inventory];
  }

  payByCash(name: string, cash: number): string {
    return this.pay(name, `${cash.toFixed(2)} in cash`);
  }

  payByCard(name: string, card: string): string {
    return this.pay(name, `card ${card.slice(0, 4)}...`);
  }

  /** The customer leaves: an unpaid full cart is refused; any other is taken back from the customer. */
  leave(name: string): string {
    const cart = this.cartOf(name);
    if (cart.contents().length > 0 && !cart.paid) throw new Error(`${name} tries to leave with an unpaid cart: attempt to steal a full cart prevented`);
    this.inStore.delete(name);
    getLocalServer()!.revoke(cart);
    return `${name} leaves; the cart goes back`;
  }

  private pay(name: string, how: string): string {
    const cart = this.cartOf(name);
    cart.paid = true;
    return `${name} pays ${how} for ${cart.contents().join(', ')}`;
  }

  private cartOf(name: string): ShoppingCart {
    const cart = this.inStore.get(name);
    if (!cart) throw new RangeError(`${name} is not in the shop`);
    return cart;
  }
}
