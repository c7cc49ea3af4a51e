"""Dates as people write them, in English or French: days (`31/12/2025`, `1er mars`, `demain`), deadlines (a date
without a time is the end of that day), the wordings of action plans (`2025-2027`, `avant le 30 juin 2026`,
`septembre 2025 à juin 2026`, `en continu`), durations and terms. Pure rules: no clock is read, `today` is given."""
