//! A port of spaCy's English tokenizer.
