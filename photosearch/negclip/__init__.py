"""NegCLIP fine-tuning (Yuksekgonul et al., ICLR 2023): contrastive training where each batch
also holds word-swapped captions and visually similar images as hard negatives."""
