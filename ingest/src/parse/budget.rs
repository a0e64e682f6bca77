//! How much text a source may turn into.
//!
//! Parsing repeats some of its input: a CSV row names its columns, a JSON value its key path,
//! a section its heading path. A small file with one huge header over many rows would
//! otherwise multiply into gigabytes, so every parser writes through a [`Budget`] sized from
//! its input and fails the item past it.

use super::{ParseError, Section};

/// Text produced may be this many times the input's size (plus [`MIN_TEXT_BUDGET`]). Real
/// files stay well under it: a CSV of short numbers under ten-letter headers grows about
/// fivefold.
pub const MAX_EXPANSION: usize = 8;

/// Text any input may produce regardless of its size, so a small CSV with wordy headers is
/// never refused.
pub const MIN_TEXT_BUDGET: usize = 1 << 20;

/// Longest column header, key path or heading repeated on every line or section (longer
/// ones are cut and end with `…`): a label is there to say what a value is, not to be read.
pub const MAX_LABEL_CHARS: usize = 120;

/// The text still allowed for one input.
#[derive(Debug, Clone)]
pub struct Budget {
    limit: usize,
    left: usize,
}

impl Budget {
    /// The budget of an input of `len` bytes.
    pub fn for_input(len: usize) -> Budget {
        let limit = len
            .saturating_mul(MAX_EXPANSION)
            .saturating_add(MIN_TEXT_BUDGET);
        Budget { limit, left: limit }
    }

    /// The most text this budget allows in all.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Takes `bytes` from the budget, or fails the parse when they are not left.
    pub fn spend(&mut self, bytes: usize) -> Result<(), ParseError> {
        match self.left.checked_sub(bytes) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(ParseError::TooMuchText { limit: self.limit }),
        }
    }

    /// A section, its heading and text paid for.
    pub fn section(
        &mut self,
        heading: Option<String>,
        text: String,
    ) -> Result<Section, ParseError> {
        self.spend(heading.as_ref().map_or(0, String::len) + text.len())?;
        Ok(Section { heading, text })
    }
}

/// `text` cut to [`MAX_LABEL_CHARS`] characters (with `…` when cut).
pub fn label(text: &str) -> String {
    match text.char_indices().nth(MAX_LABEL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_a_multiple_of_the_input() {
        let mut b = Budget::for_input(1000);
        assert_eq!(b.limit(), 8000 + MIN_TEXT_BUDGET);
        assert!(b.spend(b.limit()).is_ok());
        assert_eq!(
            b.spend(1),
            Err(ParseError::TooMuchText { limit: b.limit() })
        );
    }

    #[test]
    fn labels_are_cut_on_a_character_boundary() {
        assert_eq!(label("sku"), "sku");
        let long = "é".repeat(MAX_LABEL_CHARS + 5);
        let cut = label(&long);
        assert_eq!(cut.chars().count(), MAX_LABEL_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(label(&"x".repeat(MAX_LABEL_CHARS)).len(), MAX_LABEL_CHARS);
    }
}
