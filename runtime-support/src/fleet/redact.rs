//! No password in an error, an event or a log line: the URL as shown, and the secrets to scrub
//! from a message.

/// `url` with the password of its user part (and any `password=` or `pass=` query value)
/// replaced by `***`.
///
/// ```
/// use taskward::fleet::redact_url;
///
/// assert_eq!(redact_url("redis://app:s3cret@cache:6379/0"), "redis://app:***@cache:6379/0");
/// assert_eq!(redact_url("rediss://:s3cret@cache"), "rediss://:***@cache");
/// assert_eq!(redact_url("redis://cache:6379"), "redis://cache:6379");
/// ```
#[must_use]
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (user_info, host) = authority.split_at(at);
            match user_info.find(':') {
                Some(colon) => format!("{}:***{host}", &user_info[..colon]),
                None => format!("{user_info}{host}"),
            }
        }
        None => authority.to_owned(),
    };
    let tail = redact_query(tail);
    format!("{scheme}{authority}{tail}")
}

fn redact_query(tail: &str) -> String {
    let Some(q) = tail.find('?') else {
        return tail.to_owned();
    };
    let (path, query) = tail.split_at(q + 1);
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _))
                if k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("pass") =>
            {
                format!("{k}=***")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}{}", pairs.join("&"))
}

/// The secrets of `url` as they may appear in a message: the password as written and decoded.
pub(crate) fn secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if let Some((user_info, _)) = rest[..end].rsplit_once('@')
        && let Some((_, password)) = user_info.split_once(':')
        && !password.is_empty()
    {
        out.push(password.to_owned());
        let decoded = percent_decode(password);
        if decoded != password {
            out.push(decoded);
        }
    }
    if let Some((_, query)) = rest.split_once('?') {
        for pair in query.split('&') {
            if let Some((k, v)) = pair.split_once('=')
                && (k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("pass"))
                && !v.is_empty()
            {
                out.push(v.to_owned());
            }
        }
    }
    out
}

/// `message` with every secret replaced by `***`.
pub(crate) fn scrub(message: &str, secrets: &[String]) -> String {
    let mut message = message.to_owned();
    for secret in secrets {
        message = message.replace(secret.as_str(), "***");
    }
    message
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 1..i + 3])
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_and_scrubbed() {
        assert_eq!(
            redact_url("redis://u:p%40ss@h:1/2?password=x&db=3"),
            "redis://u:***@h:1/2?password=***&db=3"
        );
        let secrets = secrets("redis://u:p%40ss@h:1");
        assert_eq!(
            scrub("auth p%40ss / p@ss failed", &secrets),
            "auth *** / *** failed"
        );
    }
}
