/**
 * Methods written to exercise the noise kinds' edge cases in each language: one-line bodies with
 * several statements, empty bodies, docstrings, shadowed fields, lambdas and blocks, nested
 * scopes, keyword parameters, `self`/`cls`, instance variables, labels and method references.
 */
import type { LanguageId } from '../../../server/src/parse/sample';

export const JAVA = `package memaudit.noise;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

class Tricky {
    private int count;
    int total;

    int oneLiner(int a) { int b = a + 1; return b; }

    void empty() {}

    void emptyMultiline() {
    }

    int shadowField(int count) {
        int before = total;
        int total = count * 2;
        this.count = total + before;
        return this.count;
    }

    int lambdas(List<Integer> xs) {
        int offset = 3;
        Function<Integer, Integer> f = x -> x + offset;
        BiFunction<Integer, Integer, Integer> g = (p, q) -> p * q;
        int sum = 0;
        for (int i = 0; i < xs.size(); i++) { sum += f.apply(xs.get(i)); }
        for (Integer x : xs) sum += g.apply(x, x);
        return sum;
    }

    String patterns(Object o) {
        if (o instanceof String s) {
            return s.trim();
        }
        try (java.io.StringReader r = new java.io.StringReader("x")) {
            return String.valueOf(r.read());
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException(e);
        }
    }

    int labels(int n) {
        int found = -1;
        outer:
        for (int i = 0; i < n; i++) {
            switch (i % 3) {
                case 0:
                    found = i;
                    break outer;
                default:
                    continue;
            }
        }
        return found;
    }

    Runnable anonymous(int value) {
        int local = value;
        return new Runnable() {
            int field = 1;
            public void run() {
                int inner = local + field;
                System.out.println(inner);
            }
        };
    }

    Tricky(int c) {
        super();
        count = c;
        total = c;
    }

    int methodRefs(List<String> names) {
        Function<String, Integer> len = String::length;
        int getSize = 0; // a local named like a method
        return names.stream().map(len).reduce(getSize, Integer::sum);
    }

    static <T extends Comparable<T>> T smallest(List<T> items) {
        T best = items.get(0);
        for (T item : items) {
            if (item.compareTo(best) < 0) {
                best = item;
            }
        }
        return best;
    }
}
`;

export const PYTHON = `import os

GLOBAL_LIMIT = 10


def one_liner(a): b = a + 1; return b


def with_doc(items):
    """Sum the items."""
    total = 0
    for item in items:
        total += item
    return total


def doc_only():
    """Nothing but a docstring."""


def uses_global(value):
    global GLOBAL_LIMIT
    GLOBAL_LIMIT = value
    limit = GLOBAL_LIMIT * 2
    return limit


def closures(values, scale=2, *args, key=None, **options):
    offset = len(args)

    def inner(x, y=1):
        nonlocal offset
        offset += 1
        return x * scale + y + offset

    squares = [v * v for v in values if v]
    pairs = {k: w for k, w in options.items()}
    fn = lambda t, u=3: t + u + scale
    with open(os.devnull) as handle, open(os.devnull) as other:
        handle.write(f"{offset} {key!r:>{scale}}")
        other.close()
    try:
        result = sorted(squares, key=key)
    except (TypeError, ValueError) as error:
        raise RuntimeError(str(error)) from error
    if (n := len(result)) > 1:
        return inner(n), pairs, fn(n)
    return result


class Account:
    rate = 0.1

    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.balance += amount
        return self.balance

    @classmethod
    def build(cls, owner):
        account = cls(owner)
        account.deposit(1)
        return account

    def describe(self, prefix: str = "") -> str:
        owner = self.owner  # same name as the attribute
        text = prefix + owner
        return text.upper()

    async def fetch(self, client):
        async with client.session() as session:
            data = await session.get(self.owner)
        return data

    def nested_class(self):
        class Inner:
            value = 1
        value = Inner.value
        return value

    def single(self):
        if self.balance:
            return 1
`;

export const RUBY = `class Account
  attr_reader :owner

  def initialize(owner, balance = 0)
    @owner = owner
    @balance = balance
  end

  def one_liner(a); b = a + 1; b * 2; end

  def empty; end

  def empty_multi
  end

  def endless(x) = x + 1

  def empty?
    @balance.zero?
  end

  def deposit!(amount, note: nil, **opts, &block)
    raise ArgumentError, "negative" if amount.negative?
    total = @balance + amount
    @balance = total
    block&.call(total, note, opts)
    total
  end

  def self.build(owner, *rest)
    account = new(owner)
    rest.each { |r| account.deposit!(r) }
    account
  end

  def blocks(items)
    count = 0
    items.each do |item, (a, b)|
      count += item
      puts "#{item} #{count} #{a}#{b}"
    end
    doubled = items.map { |x; tmp| tmp = x * 2; tmp }
    square = ->(v, w = 1) { v * v * w }
    for i in 0..2
      count += square.call(i)
    end
    count + doubled.size
  end

  def rescuing(path)
    data = File.read(path)
    data.upcase
  rescue IOError => e
    warn e.message
    nil
  ensure
    @closed = true
  end

  def shorthand(limit)
    value = limit * 2
    configure(value:, limit: limit)
  end

  def uses_before_assignment
    puts x
    x = compute
    y = x + 1
    y
  end

  def <=>(other)
    @balance <=> other.balance
  end
end
`;

/** The tricky files by language, with the file names they are extracted under. */
export const TRICKY: Record<LanguageId, { file: string; text: string }> = {
  java: { file: 'tricky/Tricky.java', text: JAVA },
  python: { file: 'tricky/tricky.py', text: PYTHON },
  ruby: { file: 'tricky/tricky.rb', text: RUBY },
};
