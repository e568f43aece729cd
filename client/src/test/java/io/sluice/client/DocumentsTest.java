package io.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.model.Updates;
import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** The client refuses, as the driver does, an update that is a replacement and a replacement that is an update. */
class DocumentsTest {
  @Test
  void anUpdateTakesOnlyOperators() {
    assertThat(Documents.toUpdate(Updates.set("a", 1))).isEqualTo(BsonDocument.parse("{$set: {a: 1}}"));
    assertThatThrownBy(() -> Documents.toUpdate(new Document("a", 1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid BSON field name a").hasMessageContaining("replaceOne");
    assertThatThrownBy(() -> Documents.toUpdate(new Document())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("may not be empty");
  }

  @Test
  void aReplacementTakesNoOperators() {
    assertThat(Documents.toReplacement(new Document("a", 1))).isEqualTo(BsonDocument.parse("{a: 1}"));
    assertThat(Documents.toReplacement(new Document())).as("an empty replacement empties the document").isEmpty();
    assertThatThrownBy(() -> Documents.toReplacement(new Document("$set", new Document("a", 1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Invalid BSON field name $set");
  }
}
