"""ARO compositionality audit (Yuksekgonul et al., ICLR 2023): does the search model know
"the horse eats the grass" from "the grass eats the horse", or is it a bag of words?"""
