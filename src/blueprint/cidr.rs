//! `cidrs` answers: lists of IP network blocks that end up in network policies and
//! firewall rules, where one over-wide block silently opens a service to the world.
//! A literal `0.0.0.0/0` is the obvious case; `0.0.0.0/1` + `128.0.0.0/1`, `::/0`,
//! an IPv4-mapped IPv6 block or a block covering the cloud metadata address do the
//! same thing less visibly, so the checks are on what a block covers, not its text.

use std::net::Ipv6Addr;

use ipnet::{IpNet, Ipv6Net};

/// Widest prefixes accepted when the manifest does not say otherwise: a /8 of IPv4
/// is already 16 million addresses; a /32 of IPv6 is a whole provider allocation.
pub const DEFAULT_MIN_PREFIX_V4: u8 = 8;
pub const DEFAULT_MIN_PREFIX_V6: u8 = 32;

/// How a blueprint constrains a `cidrs` variable (from `blueprint.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrRules {
    pub min_prefix_v4: u8,
    pub min_prefix_v6: u8,
    /// Blocks no answer may overlap (contain, or be contained in).
    pub exclude: Vec<IpNet>,
}

/// Parses one block written as `ADDRESS/PREFIX`. The address must be the network
/// address (no host bits set): `10.1.2.3/16` is refused with the canonical form
/// suggested, so what is reviewed is exactly what is enforced.
pub fn parse_block(text: &str) -> Result<IpNet, String> {
    let net: IpNet = text.parse().map_err(|_| {
        format!("{text:?} is not a CIDR block (write ADDRESS/PREFIX, e.g. 203.0.113.0/24 or 2001:db8::/48)")
    })?;
    if net.trunc() != net {
        return Err(format!(
            "{text:?} has host bits set; the block is {}",
            net.trunc()
        ));
    }
    Ok(net)
}

/// The IPv4 address space as seen from IPv6: a block inside it reaches IPv4 hosts
/// on dual-stack nodes, so it is held to the IPv4 rules, and refused outright.
fn ipv4_mapped() -> Ipv6Net {
    Ipv6Net::new(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96).expect("valid prefix")
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(b) || b.contains(a)
}

impl CidrRules {
    /// Checks a manifest-level exclusion list.
    pub fn parse_exclude(items: &[String]) -> Result<Vec<IpNet>, String> {
        items
            .iter()
            .map(|s| parse_block(s).map_err(|e| format!("`exclude`: {e}")))
            .collect()
    }

    /// Checks every block of an answer. Returns a sentence saying what is wrong.
    pub fn check(&self, items: &[String]) -> Result<(), String> {
        if items.is_empty() {
            // An empty list would render as "no restriction" in some formats
            // (an empty `to:` in a NetworkPolicy means everywhere).
            return Err("needs at least one CIDR block".to_string());
        }
        let mut seen: Vec<IpNet> = Vec::new();
        for item in items {
            let net = parse_block(item)?;
            let min = match net {
                IpNet::V4(_) => self.min_prefix_v4,
                IpNet::V6(_) => self.min_prefix_v6,
            };
            if net.prefix_len() < min {
                return Err(format!(
                    "{item:?} is too wide: blocks must be /{min} or narrower for {}; list the provider's \
                     published ranges instead",
                    if matches!(net, IpNet::V4(_)) { "IPv4" } else { "IPv6" }
                ));
            }
            if let IpNet::V6(v6) = net {
                if overlaps(&IpNet::V6(v6), &IpNet::V6(ipv4_mapped())) {
                    return Err(format!(
                        "{item:?} is an IPv4-mapped IPv6 block; write the IPv4 block itself"
                    ));
                }
            }
            if let Some(bad) = self.exclude.iter().find(|x| overlaps(&net, x)) {
                return Err(format!(
                    "{item:?} overlaps {bad}, which this blueprint never allows as a destination"
                ));
            }
            if let Some(dup) = seen.iter().find(|s| overlaps(&net, s)) {
                return Err(format!("{item:?} overlaps {dup}, listed before it"));
            }
            seen.push(net);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> CidrRules {
        CidrRules {
            min_prefix_v4: 16,
            min_prefix_v6: 32,
            exclude: CidrRules::parse_exclude(&[
                "100.64.0.0/10".to_string(),
                "169.254.0.0/16".to_string(),
                "fe80::/10".to_string(),
            ])
            .unwrap(),
        }
    }

    fn check(items: &[&str]) -> Result<(), String> {
        rules().check(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn accepts_narrow_public_blocks() {
        assert!(check(&["203.0.113.0/24"]).is_ok());
        assert!(check(&["198.51.100.7/32", "2001:db8:1::/48"]).is_ok());
        assert!(check(&["20.190.128.0/18", "40.126.0.0/18"]).is_ok());
    }

    #[test]
    fn refuses_the_whole_internet_in_any_spelling() {
        for wide in [
            "0.0.0.0/0",
            "0.0.0.0/1",
            "128.0.0.0/1",
            "::/0",
            "::/1",
            "8000::/1",
            "0.0.0.0/8",
            "10.0.0.0/8",
            "2000::/3",
        ] {
            let err = check(&[wide]).unwrap_err();
            assert!(err.contains("too wide"), "{wide}: {err}");
        }
    }

    #[test]
    fn refuses_ipv4_mapped_ipv6() {
        // /97 passes the IPv6 prefix minimum but is half of IPv4.
        let err = check(&["::ffff:0.0.0.0/97"]).unwrap_err();
        assert!(err.contains("IPv4-mapped"), "{err}");
        assert!(check(&["::ffff:203.0.113.0/120"]).is_err());
    }

    #[test]
    fn refuses_excluded_ranges_from_either_side() {
        // Inside the carrier-grade NAT range, and around the metadata address.
        let err = check(&["100.64.1.0/24"]).unwrap_err();
        assert!(err.contains("100.64.0.0/10"), "{err}");
        let err = check(&["169.254.169.254/32"]).unwrap_err();
        assert!(err.contains("169.254.0.0/16"), "{err}");
        let err = check(&["fe80::/64"]).unwrap_err();
        assert!(err.contains("fe80::/10"), "{err}");
        // A block containing an excluded range is refused too (needs a wide minimum).
        let lax = CidrRules {
            min_prefix_v4: 8,
            ..rules()
        };
        assert!(lax.check(&["100.0.0.0/8".to_string()]).is_err());
    }

    #[test]
    fn refuses_malformed_non_canonical_empty_and_overlapping_lists() {
        assert!(check(&[]).unwrap_err().contains("at least one"));
        for bad in [
            "203.0.113.0",
            "203.0.113.0/33",
            "example.com/24",
            "203.0.113.0/24 ",
        ] {
            assert!(check(&[bad]).unwrap_err().contains("not a CIDR"), "{bad}");
        }
        let err = check(&["203.0.113.5/24"]).unwrap_err();
        assert!(err.contains("203.0.113.0/24"), "{err}");
        let err = check(&["203.0.112.0/23", "203.0.113.0/24"]).unwrap_err();
        assert!(err.contains("overlaps 203.0.112.0/23"), "{err}");
    }
}
