pub fn urlencode(s: &str) -> String { s.to_owned() }
