// Package delivery sends reports to the people who asked for them, on the
// schedule's behalf: by email (SMTP), to a webhook, or into a directory.
// Every sender implements Sender and returns a Receipt naming exactly what
// was delivered (Message-ID, time, and name, size and SHA-256 of every
// attachment), so a delivery can be recorded as evidence.
//
// # Messages
//
// A Message is validated before anything touches the network; an invalid
// one fails with ErrInvalid. Addresses go through net/mail.ParseAddress and
// are then narrowed to plain ASCII user@host (no quoted local parts, domain
// literals or internationalised addresses). Control characters, CR and LF
// above all, are refused in addresses (also inside RFC 2047 encoded display
// names), the subject and attachment names, so no input can add a header.
// Attachment names may not contain path separators. The encoded message is
// bounded by MaxBytes (DefaultMaxBytes, 25 MiB); a larger one is refused
// with an error naming both sizes, and so is one over the SIZE an SMTP
// server announces.
//
// # SMTP
//
// SMTP.Send writes an RFC 5322 / MIME message itself: From, To, Subject
// (RFC 2047 Q encoded-words when it is not short plain ASCII), Date,
// Message-ID (random, at the From domain), Auto-Submitted, MIME-Version, and
// a multipart/mixed body with a quoted-printable UTF-8 text part and base64
// attachments in 76-character lines whose names use RFC 2231 (filename*)
// when not ASCII. A message goes to all recipients or none: a recipient
// refused at RCPT aborts the transaction before DATA.
//
// TLS policy. TLS is "starttls" unless set: the server must offer STARTTLS,
// and the certificate must verify against RootCAs (nil: system roots) for
// Host, before AUTH or any mail command; a server that does not offer it is
// refused (ErrRefused), never used in the clear. "tls" is implicit TLS from
// the first byte (port 465). "none" is allowed only when Host is localhost
// or a loopback IP and the connection really lands on a loopback address
// (a local relay); any other host is refused before dialing. AUTH is PLAIN
// (net/smtp), only over TLS except to localhost, and only when Username is
// set. The password is not in String, GoString or LogValue output, and is
// redacted from any error even if a server echoes it.
//
// Timeout (DefaultSMTPTimeout) bounds the whole conversation; ctx
// cancellation interrupts it at once (the connection's deadline is moved
// into the past), and the error then wraps ctx's error.
//
// # Webhook
//
// Webhook.Send POSTs multipart/form-data: a "meta" part (application/json,
// WebhookMeta: message_id, subject, to as bare addresses, text, sent_at,
// attachment hashes), then one "attachment" part per file with its content
// type and file name (UTF-8 in a quoted string, as RFC 7578 asks).
// The URL must be https unless its host is loopback; redirects are held to
// the same rule, and a redirect that would turn the POST into a GET is
// refused rather than silently dropping the report. A non-2xx answer is a
// *StatusError with the status and the first 512 bytes of the body. Errors
// name only scheme and host, since webhook URLs often carry their secret,
// and never contain Header values.
//
// # Directory
//
// Directory.Send writes each attachment into Path: first all of them to
// temporary files (synced), then each is hard-linked to its final name,
// which fails instead of replacing an existing file; the next free name
// "name-1.ext", "name-2.ext"... is used instead. Readers never see a
// partial file, existing files are never overwritten, and if one placement
// fails the ones already placed are removed. Names are sanitised: no path
// separators, Windows-reserved or control characters, no leading dots or
// spaces, no device names, at most 200 bytes. Where hard links are not
// supported, it falls back to check-then-rename.
//
// # Retries
//
// WithRetry runs a send up to n times with exponential backoff: base, 2·base,
// 4·base... capped at MaxBackoff (5 minutes), each wait drawn uniformly from
// its upper half (jitter) so failing schedules do not retry in lockstep. It
// does not retry permanent errors (IsPermanent): a 5xx SMTP reply (bad
// recipient, bad credentials, message refused), a refused configuration or
// invalid message, a certificate that does not verify, a webhook 4xx other
// than 408/425/429. It stops when ctx ends, and returns every attempt's
// error so the caller can record them.
package delivery
