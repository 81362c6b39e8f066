"""KMIP name normalisation (KMIP Additional Message Encodings v1.0 §4.1.3)."""
import re

def camel(text: str) -> str:
    s = re.sub(r'[()]', ' ', text)
    s = re.sub(r'\W([A-Za-z][a-z])', r' \1', s)
    words = [re.sub(r'\W', '_', w) for w in s.split()]
    words[0] = re.sub(r'^(\d+)(.*)', r'\2\1', words[0])
    words = [w[0].upper() + w[1:] for w in words if w]
    return ''.join(words)
