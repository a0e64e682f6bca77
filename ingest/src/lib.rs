//! Knowledge ingestion engines for Companin (not built yet; see the ingestion and URL issues).
//!
//! This crate will own the pure steps that turn a source into indexed text: fetching (an HTTP
//! crawler with robots.txt, sitemaps and an SSRF guard), parsing (PDF, HTML, Markdown, CSV,
//! JSON, plain text), token-aware chunking, and enrichment (summaries and keywords). Functions
//! here work on bytes and text and know nothing of HTTP routes or job queues, so the API, the
//! workers and the evaluation command all run the same pipeline code.
