//! The fixed texts a visitor reads in a reply, in the assistant's language: catalogues for
//! English, Spanish, Portuguese, French and German; any other language gets English's. An
//! assistant's own `fallback_message` overrides the catalogue's.

/// One language's texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Texts {
    /// Said when nothing relevant is found, instead of an invented answer.
    pub fallback: &'static str,
}

/// The catalogues, by ISO 639-1 code; English first (the one used for other languages).
const CATALOGUES: [(&str, Texts); 5] = [
    (
        "en",
        Texts {
            fallback: "I'm sorry, I couldn't find an answer to that in my knowledge base.",
        },
    ),
    (
        "es",
        Texts {
            fallback: "Lo siento, no he encontrado una respuesta a eso en mi base de conocimiento.",
        },
    ),
    (
        "pt",
        Texts {
            fallback: "Desculpe, não encontrei uma resposta para isso na minha base de conhecimento.",
        },
    ),
    (
        "fr",
        Texts {
            fallback: "Désolé, je n'ai pas trouvé de réponse à cette question dans ma base de connaissances.",
        },
    ),
    (
        "de",
        Texts {
            fallback: "Entschuldigung, dazu habe ich in meiner Wissensdatenbank keine Antwort gefunden.",
        },
    ),
];

/// The texts of a language (a BCP-47 tag: `es-MX` reads Spanish's), English's when there is
/// no catalogue for it.
pub fn of(language: &str) -> &'static Texts {
    let primary = companin_ingest::language::primary(language);
    CATALOGUES
        .iter()
        .find(|(code, _)| *code == primary)
        .map_or(&CATALOGUES[0].1, |(_, texts)| texts)
}

/// Whether `text` is one of the catalogues' fallbacks: an assistant created before fallbacks
/// followed the language stored English's, which it never chose.
pub fn is_catalogue_fallback(text: &str) -> bool {
    CATALOGUES.iter().any(|(_, t)| t.fallback == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_read_their_catalogue_and_others_english() {
        assert!(of("es-MX").fallback.starts_with("Lo siento"));
        assert!(of("pt-BR").fallback.starts_with("Desculpe"));
        assert!(of("fr").fallback.starts_with("Désolé"));
        assert!(of("de").fallback.starts_with("Entschuldigung"));
        assert_eq!(of("ja").fallback, of("en").fallback);
        assert!(is_catalogue_fallback(of("es").fallback));
        assert!(!is_catalogue_fallback("No lo sé."));
    }
}
