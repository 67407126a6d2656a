"""Words that Kaplan-Meier legends and risk-table labels are made of.

Small legend text is often read a letter off ("experimenta!", "cnzotinib").
The recogniser scores a word from this list as a candidate reading beside its
own (`kmipd.digitize._ocr.recognise_text`), with prior odds of ``PRIOR`` nats
(about 55 to 1) for a listed word against an unlisted spelling a letter away:
a clear letter outweighs them, an unsure one does not. The list holds arm
words and the international nonproprietary names of anticancer drugs, and
only words of at least ``MIN_LETTERS`` letters (short acronyms are too easily
one letter from another).
"""

from __future__ import annotations

__all__ = ["MIN_LETTERS", "PRIOR", "is_listed", "near_words"]

MIN_LETTERS = 5
PRIOR = 4.0  # nats of log-likelihood per recogniser scale that a listed word is given

_ARM_WORDS = """
placebo control controls observation experimental standard chemotherapy chemo
radiotherapy chemoradiotherapy chemoradiation radiation surgery treatment
therapy group cohort alone versus maintenance induction adjuvant neoadjuvant
concurrent sequential continuous intermittent monotherapy combination best
supportive investigator physician choice overall patients positive negative
mutation mutant wildtype expression subgroup months weeks years early delayed
deferred immediate watchful waiting active surveillance usual intervention
endocrine hormonal hormone targeted immunotherapy radiosurgery brachytherapy
resection dissection lymphadenectomy mastectomy lumpectomy transplant
autologous allogeneic stem biosimilar reference arm
""".split()

_DRUGS = """
cisplatin carboplatin oxaliplatin nedaplatin lobaplatin paclitaxel docetaxel
cabazitaxel gemcitabine capecitabine fluorouracil tegafur gimeracil oteracil
uracil leucovorin folinic levoleucovorin irinotecan topotecan etoposide
doxorubicin epirubicin daunorubicin idarubicin mitoxantrone cyclophosphamide
ifosfamide methotrexate pemetrexed raltitrexed vinorelbine vincristine
vinblastine vinflunine eribulin ixabepilone temozolomide dacarbazine
bendamustine chlorambucil melphalan busulfan fludarabine cladribine cytarabine
azacitidine decitabine hydroxyurea mitomycin bleomycin trabectedin
lurbinectedin lomustine carmustine procarbazine streptozocin trifluridine
tipiracil pegylated liposomal trastuzumab pertuzumab lapatinib neratinib
tucatinib pyrotinib margetuximab emtansine deruxtecan bevacizumab ramucirumab
aflibercept cetuximab panitumumab necitumumab nimotuzumab erlotinib gefitinib
afatinib dacomitinib osimertinib icotinib amivantamab lazertinib crizotinib
ceritinib alectinib brigatinib lorlatinib ensartinib entrectinib larotrectinib
capmatinib tepotinib savolitinib selpercatinib pralsetinib sotorasib adagrasib
dabrafenib trametinib vemurafenib cobimetinib encorafenib binimetinib imatinib
dasatinib nilotinib bosutinib ponatinib sunitinib sorafenib pazopanib axitinib
cabozantinib lenvatinib regorafenib vandetanib tivozanib nintedanib anlotinib
apatinib fruquintinib surufatinib everolimus temsirolimus olaparib niraparib
rucaparib talazoparib veliparib palbociclib ribociclib abemaciclib alpelisib
capivasertib ipatasertib ibrutinib acalabrutinib zanubrutinib idelalisib
venetoclax rituximab obinutuzumab ofatumumab bortezomib carfilzomib ixazomib
lenalidomide pomalidomide thalidomide daratumumab isatuximab elotuzumab
brentuximab vedotin polatuzumab sacituzumab govitecan enfortumab tisotumab
mirvetuximab inotuzumab gemtuzumab ozogamicin blinatumomab midostaurin
gilteritinib quizartinib ivosidenib enasidenib ruxolitinib denosumab
zoledronic clodronate pamidronate ibandronate celecoxib aspirin metformin
pembrolizumab nivolumab ipilimumab tremelimumab atezolizumab durvalumab
avelumab cemiplimab dostarlimab tislelizumab toripalimab sintilimab
camrelizumab serplulimab relatlimab spartalizumab retifanlimab penpulimab
sugemalimab interferon interleukin aldesleukin tamoxifen anastrozole letrozole
exemestane fulvestrant goserelin leuprolide leuprorelin triptorelin degarelix
relugolix abiraterone enzalutamide apalutamide darolutamide bicalutamide
flutamide prednisone prednisolone dexamethasone megestrol raloxifene
elacestrant radium lutetium octreotide lanreotide sipuleucel
folfox folfox4 folfox6 mfolfox6 folfiri folfoxiri folfirinox xelox capox xeliri
capiri
""".split()

_WORDS = frozenset(w for w in _ARM_WORDS + _DRUGS if len(w) >= MIN_LETTERS)


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it is surely above."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def is_listed(token: str) -> bool:
    """Whether ``token`` (one word, any case) is in the list."""
    return token.lower() in _WORDS


def near_words(token: str) -> list[str]:
    """Listed words a letter or two from ``token``, spelt in its case.

    Parameters
    ----------
    token : str
        A reading of one word (no spaces or underscores).

    Returns
    -------
    list of str
        Words within one edit (tokens of 5 to 7 characters) or two (longer)
        and no shorter than ``token`` (a recogniser misreads letters or
        merges two into one, "ri" as "n", but rarely sees one that is not
        there), in ``token``'s case; empty for a shorter token or one read
        exactly as listed.
    """
    lower = token.lower()
    if len(token) < MIN_LETTERS or is_listed(token):
        return []
    limit = 1 if len(token) < 8 else 2
    found = [w for w in _WORDS if len(w) >= len(lower) and _distance(lower, w, limit) <= limit]
    return [_in_case_of(token, w) for w in found]


def _in_case_of(token: str, word: str) -> str:
    """``word`` (lower case) in the case ``token`` is written in: upper, lower, letter by
    letter where the two are as long ("mFOLF0X6"), else capitalised if it starts so."""
    if token.isupper():
        return word.upper()
    if token.islower():
        return word
    if len(token) == len(word):
        out, upper = [], False
        for t, w in zip(token, word, strict=True):
            upper = t.isupper() if t.isalpha() else upper  # a digit read for a letter: as before
            out.append(w.upper() if upper else w)
        return "".join(out)
    return word.capitalize() if token[0].isupper() else word
