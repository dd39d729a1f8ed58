from grading import letter, passed


def test_pass():
    assert passed(70) == "pass"


def test_fail():
    assert passed(20) == "fail"


def test_letter():
    assert letter(95) == "A" and letter(80) == "B" and letter(10) == "C"
