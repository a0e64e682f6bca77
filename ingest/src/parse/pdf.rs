//! PDF text through pdf-extract, in a child process that can really be stopped.
//!
//! pdf-extract (and lopdf under it) can panic, recurse without bound on a cyclic page tree,
//! spin, or inflate a small compressed stream into gigabytes; none of it can be interrupted
//! from outside. So a [`Reader`] runs it in a child process (the `companin` binary itself,
//! `companin read-pdf`): the child caps its own address space and CPU time with `setrlimit`
//! before it reads anything ([`child_main`]), measures what the document's compressed streams
//! inflate to before pdf-extract decompresses them (a quarter of the memory cap at most), and
//! the parent kills it at the wall-clock timeout. Whatever happens to the child — a bomb, an
//! allocation refused past the cap, a stack overflow on a cyclic form, a kill — ends one item,
//! never the process that serves requests or runs other jobs.

use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use super::{Budget, ParseError, Parsed, normalize_text};
use crate::SourceFormat;

/// The subcommand of the reader's program that runs [`child_main`].
pub const SUBCOMMAND: &str = "read-pdf";

/// Marks the child's answer on its standard output, after anything a library printed there.
const ANSWER: &[u8] = b"\n\x1ecompanin-pdf-answer\x1e";

/// Reads the PDF `bytes` in this process: no bound on time or memory (see the module doc).
/// Pages without text are left out (a document of none is [`ParseError::Empty`] for
/// [`super::parse`]).
pub(super) fn parse(bytes: &[u8], budget: &mut Budget) -> Result<Parsed, ParseError> {
    let pages = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem_by_pages(bytes)
    }))
    .map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "malformed file".to_owned());
        ParseError::BadPdf(why)
    })?
    .map_err(|e| {
        let message = e.to_string();
        if message.to_ascii_lowercase().contains("encrypt") || message.contains("decrypt") {
            ParseError::EncryptedPdf
        } else {
            ParseError::BadPdf(message)
        }
    })?;
    let mut sections = Vec::new();
    for (i, text) in pages.iter().enumerate() {
        if !text.trim().is_empty() {
            sections.push(budget.section(Some(format!("Page {}", i + 1)), normalize_text(text))?);
        }
    }
    Ok(Parsed {
        title: None,
        sections,
    })
}

/// Reads PDFs in child processes with limits.
#[derive(Debug, Clone)]
pub struct Reader {
    /// The program run as `<program> read-pdf`: the `companin` binary.
    pub program: PathBuf,
    /// Wall-clock time one PDF may take; the child is killed past it.
    pub timeout: Duration,
    /// Address space the child may map, in MiB (its own code and stacks included).
    pub memory_mib: u64,
}

impl Reader {
    /// A reader running this process's own executable.
    pub fn current_exe(timeout: Duration, memory_mib: u64) -> std::io::Result<Reader> {
        Ok(Reader {
            program: std::env::current_exe()?,
            timeout,
            memory_mib,
        })
    }

    /// The text of the PDF `bytes`, read in a child process within this reader's limits.
    /// Blocks the calling thread until the child ends or is killed.
    pub fn read(&self, bytes: &[u8]) -> Result<Parsed, ParseError> {
        let started = Instant::now();
        // CPU time is a backstop for a child whose parent died; the wall clock is the limit.
        let cpu_secs = self.timeout.as_secs().saturating_add(2);
        let mut child = Command::new(&self.program)
            .arg(SUBCOMMAND)
            .arg(self.memory_mib.to_string())
            .arg(cpu_secs.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| unavailable(format!("cannot start the PDF reader: {e}")))?;
        let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(unavailable("the PDF reader has no pipes".to_owned()));
        };
        // The answer is bounded by the text budget; anything far past it is not an answer.
        let most = Budget::for_input(bytes.len())
            .limit()
            .saturating_mul(2)
            .saturating_add(1 << 20);
        std::thread::scope(|scope| {
            // A child that stops reading (it died) ends the write with an error: ignored, the
            // exit status says what happened.
            scope.spawn(move || {
                let _ = stdin.write_all(bytes);
            });
            let answer = scope.spawn(move || read_bounded(&mut stdout, most));
            let complaint = scope.spawn(move || read_bounded(&mut stderr, 64 * 1024));
            let status = loop {
                match child.try_wait() {
                    Ok(Some(status)) => break Ok(status),
                    Ok(None) if started.elapsed() >= self.timeout => break Err(true),
                    Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                    Err(_) => break Err(false),
                }
            };
            let status = match status {
                Ok(status) => status,
                Err(timed_out) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(if timed_out {
                        ParseError::PdfTimeout(self.timeout)
                    } else {
                        unavailable("lost track of the PDF reader".to_owned())
                    });
                }
            };
            let answer = answer.join().unwrap_or_default();
            let complaint = complaint.join().unwrap_or_default();
            if let Some(result) = decode(&answer) {
                return result;
            }
            let complaint = String::from_utf8_lossy(&complaint);
            if complaint.contains("memory allocation") || complaint.contains("out of memory") {
                return Err(ParseError::PdfMemory(self.memory_mib));
            }
            if started.elapsed() >= self.timeout {
                // Stopped by its CPU limit just before our clock ran out.
                return Err(ParseError::PdfTimeout(self.timeout));
            }
            let last = complaint.lines().rev().find(|l| !l.trim().is_empty());
            Err(ParseError::BadPdf(match last {
                Some(line) => format!("the reader stopped ({status}): {}", line.trim()),
                None => format!("the reader stopped ({status})"),
            }))
        })
    }
}

/// The child's whole output, up to `most` bytes (the rest is drained and dropped, so the
/// child never blocks on a full pipe).
fn read_bounded(from: &mut impl Read, most: usize) -> Vec<u8> {
    let mut kept = Vec::new();
    let _ = from.by_ref().take(most as u64).read_to_end(&mut kept);
    let _ = std::io::copy(from, &mut std::io::sink());
    kept
}

/// The answer after the child's last marker, if it wrote one.
fn decode(output: &[u8]) -> Option<Result<Parsed, ParseError>> {
    let at = output.windows(ANSWER.len()).rposition(|w| w == ANSWER)?;
    serde_json::from_slice(&output[at + ANSWER.len()..]).ok()
}

fn unavailable(why: String) -> ParseError {
    ParseError::PdfReader(why)
}

/// The share of the memory cap that a document's compressed streams may inflate to.
const INFLATION_SHARE: u64 = 4;

/// Refuses a document whose Flate streams (images aside: text extraction never inflates
/// them) inflate to more than `most` bytes in all, measured by streaming each into nothing.
/// A document lopdf cannot load is left to pdf-extract, which says why.
fn check_inflation(bytes: &[u8], most: u64) -> Result<(), ParseError> {
    let Ok(doc) = lopdf::Document::load_mem(bytes) else {
        return Ok(());
    };
    let mut total: u64 = 0;
    for object in doc.objects.values() {
        let Ok(stream) = object.as_stream() else {
            continue;
        };
        let image = stream
            .dict
            .get(b"Subtype")
            .and_then(lopdf::Object::as_name)
            .is_ok_and(|n| n == b"Image");
        let flate = stream
            .filters()
            .is_ok_and(|f| f.iter().any(|name| *name == b"FlateDecode"));
        if image || !flate {
            continue;
        }
        let left = most - total;
        let mut inflated = flate2::read::ZlibDecoder::new(stream.content.as_slice()).take(left + 1);
        // A broken stream counts what it gave before it broke, as pdf-extract would read it.
        let n = std::io::copy(&mut inflated, &mut std::io::sink()).unwrap_or(0);
        total += n;
        if total > most {
            return Err(ParseError::PdfInflates(most >> 20));
        }
    }
    Ok(())
}

/// The child's side of [`Reader::read`]: `args` are the memory cap in MiB and the CPU
/// seconds. Caps this process, reads a PDF from standard input, and writes the marker and
/// its answer (`{"Ok": parsed}` or `{"Err": reason}`) to standard output.
pub fn child_main(args: &[String]) -> ExitCode {
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<u64>().ok());
    let (Some(memory_mib), Some(cpu_secs)) = (number(0), number(1)) else {
        eprintln!("usage: companin {SUBCOMMAND} MEMORY_MIB CPU_SECS < file.pdf");
        return ExitCode::from(2);
    };
    let memory = memory_mib.saturating_mul(1 << 20);
    if let Err(e) = rlimit::setrlimit(rlimit::Resource::AS, memory, memory)
        .and_then(|()| rlimit::setrlimit(rlimit::Resource::CPU, cpu_secs, cpu_secs))
    {
        eprintln!("cannot limit the PDF reader: {e}");
        return ExitCode::from(3);
    }
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("cannot read the PDF: {e}");
        return ExitCode::from(3);
    }
    let result = check_inflation(&bytes, memory / INFLATION_SHARE)
        .and_then(|()| super::parse(SourceFormat::Pdf, &bytes));
    drop(bytes);
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(ANSWER)
        .map_err(serde_json::Error::io)
        .and_then(|()| serde_json::to_writer(&mut out, &result))
        .and_then(|()| out.flush().map_err(serde_json::Error::io));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cannot write the answer: {e}");
            ExitCode::from(3)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_text_after_the_last_marker_is_the_answer() {
        let answer = Ok::<_, ParseError>(Parsed::default());
        let mut out = b"noise a library printed".to_vec();
        out.extend_from_slice(ANSWER);
        out.extend_from_slice(b"{\"Err\":\"Empty\"}");
        out.extend_from_slice(ANSWER);
        out.extend_from_slice(&serde_json::to_vec(&answer).unwrap());
        assert_eq!(decode(&out), Some(answer));
        assert_eq!(decode(b"no marker"), None);
        let mut cut = ANSWER.to_vec();
        cut.extend_from_slice(b"{\"Ok\":");
        assert_eq!(decode(&cut), None);
    }
}
