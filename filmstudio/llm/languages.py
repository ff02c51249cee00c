"""Language tags for translation: BCP-47 as the artist types it (``fr``, ``pt-BR``, ``zh-Hant``),
turned into what each kind of model understands.

- language models read a name ("French (fr)"): small models follow a name better than a code;
- NLLB-200 wants FLORES-200 codes (``fra_Latn``), M2M100 two-letter codes (``__fr__``), and
  multi-target MarianMT models a ``>>fra<<`` or ``>>fr<<`` token before the text.

The table covers the languages those models share with subtitling practice; a FLORES code typed
as it is (``fra_Latn``) is taken as it is, and a tag outside the table still reaches a language
model as the tag itself.
"""

from __future__ import annotations

import re

# BCP-47 primary subtag -> (English name, NLLB-200 code). NLLB names macrolanguages by their
# main member (Arabic is arb, Persian pes, Malay zsm, Latvian lvs, Swahili swh...).
_TABLE = """
af Afrikaans afr_Latn|am Amharic amh_Ethi|ar Arabic arb_Arab|as Assamese asm_Beng
az Azerbaijani azj_Latn|be Belarusian bel_Cyrl|bg Bulgarian bul_Cyrl|bn Bengali ben_Beng
bs Bosnian bos_Latn|ca Catalan cat_Latn|cs Czech ces_Latn|cy Welsh cym_Latn|da Danish dan_Latn
de German deu_Latn|el Greek ell_Grek|en English eng_Latn|eo Esperanto epo_Latn|es Spanish spa_Latn
et Estonian est_Latn|eu Basque eus_Latn|fa Persian pes_Arab|fi Finnish fin_Latn|fr French fra_Latn
ga Irish gle_Latn|gl Galician glg_Latn|gu Gujarati guj_Gujr|ha Hausa hau_Latn|he Hebrew heb_Hebr
hi Hindi hin_Deva|hr Croatian hrv_Latn|hu Hungarian hun_Latn|hy Armenian hye_Armn
id Indonesian ind_Latn|ig Igbo ibo_Latn|is Icelandic isl_Latn|it Italian ita_Latn
ja Japanese jpn_Jpan|jv Javanese jav_Latn|ka Georgian kat_Geor|kk Kazakh kaz_Cyrl|km Khmer khm_Khmr
kn Kannada kan_Knda|ko Korean kor_Hang|ky Kyrgyz kir_Cyrl|lo Lao lao_Laoo|lt Lithuanian lit_Latn
lv Latvian lvs_Latn|mk Macedonian mkd_Cyrl|ml Malayalam mal_Mlym|mn Mongolian khk_Cyrl
mr Marathi mar_Deva|ms Malay zsm_Latn|mt Maltese mlt_Latn|my Burmese mya_Mymr
nb Norwegian_Bokmål nob_Latn|ne Nepali npi_Deva|nl Dutch nld_Latn|nn Norwegian_Nynorsk nno_Latn
no Norwegian nob_Latn|pa Punjabi pan_Guru|pl Polish pol_Latn|ps Pashto pbt_Arab
pt Portuguese por_Latn|ro Romanian ron_Latn|ru Russian rus_Cyrl|si Sinhala sin_Sinh
sk Slovak slk_Latn|sl Slovenian slv_Latn|so Somali som_Latn|sq Albanian als_Latn
sr Serbian srp_Cyrl|sv Swedish swe_Latn|sw Swahili swh_Latn|ta Tamil tam_Taml|te Telugu tel_Telu
tg Tajik tgk_Cyrl|th Thai tha_Thai|tl Tagalog tgl_Latn|tr Turkish tur_Latn|uk Ukrainian ukr_Cyrl
ur Urdu urd_Arab|uz Uzbek uzn_Latn|vi Vietnamese vie_Latn|xh Xhosa xho_Latn|yo Yoruba yor_Latn
zh Chinese zho_Hans|zu Zulu zul_Latn
"""
LANGUAGES: dict[str, tuple[str, str]] = {
    code: (name.replace("_", " "), nllb)
    for code, name, nllb in (entry.split() for entry in _TABLE.replace("\n", "|").split("|") if entry.strip())
}
# Three-letter codes (ISO 639-2/B as Matroska tags use them, 639-3 as NLLB does) -> two-letter.
_THREE = {nllb[:3]: code for code, (_name, nllb) in LANGUAGES.items()} | {
    "ara": "ar", "fre": "fr", "ger": "de", "chi": "zh", "dut": "nl", "gre": "el", "per": "fa",
    "fas": "fa", "rum": "ro", "cze": "cs", "slo": "sk", "alb": "sq", "sqi": "sq", "arm": "hy",
    "baq": "eu", "bur": "my", "geo": "ka", "ice": "is", "mac": "mk", "may": "ms", "msa": "ms",
    "wel": "cy", "est": "et", "lav": "lv", "swa": "sw", "mon": "mn", "uzb": "uz", "nor": "no",
    "aze": "az", "pus": "ps", "nep": "ne", "zho": "zh",
}  # fmt: skip
_TRADITIONAL = {"TW", "HK", "MO"}
_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_FLORES = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")


def is_language_tag(tag: str) -> bool:
    """Whether ``tag`` reads as a BCP-47 tag (``fr``, ``pt-BR``) or a FLORES-200 code (``fra_Latn``)."""
    return bool(_TAG.match(tag) or _FLORES.match(tag))


def primary(tag: str) -> str:
    """The two-letter code of ``tag`` where one is known (``fra`` -> ``fr``), else its first subtag,
    lower case."""
    if _FLORES.match(tag):
        tag = tag[:3]
    first = re.split(r"[-_]", tag.strip())[0].lower()
    return _THREE.get(first, first) if len(first) == 3 else first


def language_name(tag: str) -> str:
    """How a prompt names ``tag``: "French (fr)", "Portuguese (pt-BR)", or the tag alone."""
    known = LANGUAGES.get(primary(tag))
    return f"{known[0]} ({tag})" if known else tag


def nllb_code(tag: str) -> str | None:
    """The FLORES-200 code of ``tag`` (NLLB-200), or None when the table does not know it. A script
    subtag is kept (``sr-Latn``); Chinese for Taiwan, Hong Kong and Macau is written in Hant."""
    if _FLORES.match(tag):
        return tag
    known = LANGUAGES.get(primary(tag))
    if known is None:
        return None
    code = known[1]
    subtags = tag.split("-")[1:]
    script = next((s.title() for s in subtags if len(s) == 4 and s.isalpha()), None)
    if script is None and primary(tag) == "zh" and any(s.upper() in _TRADITIONAL for s in subtags):
        script = "Hant"
    return f"{code[:3]}_{script}" if script else code


def marian_tokens(tag: str) -> tuple[str, ...]:
    """The target tokens a multi-target MarianMT model may know for ``tag``, likeliest first."""
    two = primary(tag)
    nllb = nllb_code(tag)
    return tuple(
        dict.fromkeys(
            t for t in (f">>{two}<<", f">>{nllb[:3]}<<" if nllb else "", f">>{nllb}<<" if nllb else "") if t
        )
    )
