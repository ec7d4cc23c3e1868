import { addressKey } from './rate-limits.js';

describe(addressKey.name, () => {
  it('should count an IPv4 address (also IPv4-mapped) as itself', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('should count an IPv6 address by its /64, however it is written', () => {
    const key = addressKey('2001:db8:85a3:0042:1000:8a2e:370:7334');
    expect(key).toBe('2001:db8:85a3:42::/64');
    expect(addressKey('2001:DB8:85A3:42::1')).toBe(key);
    expect(addressKey('2001:db8:85a3:42:ffff::%eth0')).toBe(key);
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('2001:db8:85a3:43::1')).not.toBe(key);
  });
});
