//! Which language a text is written in, named by its ISO 639-1 code (the primary subtag of a
//! BCP-47 tag: `es` for `es-MX`). Detection is whatlang's: character trigrams, no model files,
//! microseconds for a page.

/// Bytes of a text looked at: a document's first pages tell its language as well as the whole.
const SAMPLE_BYTES: usize = 8 * 1024;
/// The languages a query is told apart from: those search stems (whatlang alone calls a short
/// English question Afrikaans more often than not).
const QUERY_LANGUAGES: [whatlang::Lang; 18] = {
    use whatlang::Lang::*;
    [
        Ara, Dan, Deu, Ell, Eng, Spa, Fin, Fra, Hun, Ita, Nob, Nld, Por, Ron, Rus, Swe, Tam, Tur,
    ]
};
/// Least confidence in a query's language: below it, the query is taken to be in its
/// assistant's language only. Low, because a wrong guess costs little (a few more stop words
/// dropped) and a right one keeps the question's own stop words out of other languages' text.
const QUERY_CONFIDENCE: f64 = 0.2;

/// A detected language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// ISO 639-1 code (`es`).
    pub code: &'static str,
    /// Whether the guess is clearly ahead of the next one (whatlang's own threshold): short
    /// texts and close languages (Spanish, Portuguese, Galician) often are not.
    pub reliable: bool,
}

/// The language of `text`, if it has letters of a language whatlang knows and which has an
/// ISO 639-1 code.
pub fn detect(text: &str) -> Option<Detected> {
    let info = whatlang::detect(prefix(text, SAMPLE_BYTES))?;
    let code = isolang::Language::from_639_3(info.lang().code())?.to_639_1()?;
    Some(Detected {
        code,
        reliable: info.is_reliable(),
    })
}

/// The language of a query, among those search stems, when the guess is confident enough.
pub fn detect_query(text: &str) -> Option<&'static str> {
    let detector = whatlang::Detector::with_allowlist(QUERY_LANGUAGES.to_vec());
    let info = detector.detect(prefix(text, SAMPLE_BYTES))?;
    if info.confidence() < QUERY_CONFIDENCE {
        return None;
    }
    isolang::Language::from_639_3(info.lang().code())?.to_639_1()
}

/// The language of `text` only when the guess is reliable.
fn detect_reliably(text: &str) -> Option<&'static str> {
    detect(text).filter(|d| d.reliable).map(|d| d.code)
}

/// The language of one chunk of an item: the uploader's choice when there is one, else the
/// chunk's own when it is clear, else the item's.
pub fn of_chunk(text: &str, chosen: Option<&str>, item: Option<&'static str>) -> Option<String> {
    if let Some(chosen) = chosen {
        return Some(chosen.to_owned());
    }
    detect_reliably(text).or(item).map(str::to_owned)
}

/// The primary language subtag of a BCP-47 tag, lower-cased: `es-MX` → `es`.
pub fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_detected_reliably() {
        let es = "El envío tarda de tres a cinco días hábiles. Los pedidos se preparan en nuestro \
                  almacén de Valencia y se entregan con seguimiento. Si el paquete no llega a \
                  tiempo, escríbenos y te devolvemos el importe del envío.";
        assert_eq!(
            detect(es),
            Some(Detected {
                code: "es",
                reliable: true
            })
        );
        let en = "Shipping takes three to five business days. Orders are packed in our \
                  warehouse and delivered with tracking; if a parcel is late, write to us and \
                  we refund the shipping cost.";
        assert_eq!(detect(en).map(|d| d.code), Some("en"));
        let de = "Der Versand dauert drei bis fünf Werktage. Bestellungen werden in unserem \
                  Lager verpackt und mit Sendungsverfolgung geliefert.";
        assert_eq!(detect_reliably(de), Some("de"));
    }

    #[test]
    fn queries_are_detected_or_left_to_the_assistants_language() {
        assert_eq!(detect_query("¿Cuánto tarda el envío a Madrid?"), Some("es"));
        assert_eq!(detect_query("canciones"), Some("es"));
        assert_eq!(
            detect_query("How long does shipping take to Madrid?"),
            Some("en")
        );
        assert_eq!(detect_query("Quanto tempo demora o envio?"), Some("pt"));
        // Nothing to go on: no guess rather than a wrong one.
        assert_eq!(detect_query("12345 !!"), None);
        assert_eq!(detect(""), None);
    }

    #[test]
    fn a_chunk_takes_the_chosen_then_its_own_then_the_items_language() {
        let es = "Las devoluciones se aceptan durante treinta días desde la entrega del pedido. \
                  El importe se devuelve con el mismo medio de pago en un plazo de cinco días.";
        assert_eq!(of_chunk(es, Some("pt"), Some("en")).as_deref(), Some("pt"));
        assert_eq!(of_chunk(es, None, Some("en")).as_deref(), Some("es"));
        assert_eq!(
            of_chunk("SKU 4411-B", None, Some("en")).as_deref(),
            Some("en")
        );
        assert_eq!(of_chunk("SKU 4411-B", None, None), None);
    }

    #[test]
    fn primary_subtags_and_prefixes() {
        assert_eq!(primary("es-MX"), "es");
        assert_eq!(primary("PT_br"), "pt");
        assert_eq!(primary("de"), "de");
        assert_eq!(prefix("añil", 2), "a");
        assert_eq!(prefix("añil", 3), "añ");
    }
}
