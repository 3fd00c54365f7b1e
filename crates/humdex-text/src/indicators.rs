//! Trafficking indicators: a lexicon of words, phrases and emoji with categories and weights.
